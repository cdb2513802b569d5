#ifndef FEEDWIRE_CCURL_H
#define FEEDWIRE_CCURL_H
/*
 * libcurl for FeedwireCurl only.
 *
 * libcurl is loaded on first use (dlopen), not linked: its dependency tree
 * (OpenSSL, GnuTLS, Kerberos, LDAP, SSH, nghttp2 … about 30 libraries)
 * cost more start-up time than everything else in a short `feedwire
 * parse` run, which never fetches (`make bench-parse`: a 20-item feed
 * end to end). Swift calls libcurl only through the fw_ functions below;
 * a direct curl_* call fails to link, as the module map links no libcurl.
 *
 * curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C variadics,
 * which Swift cannot call: one typed wrapper per argument kind instead.
 */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>
#include <malloc.h>

/* The soname of the libcurl ABI these headers describe (Debian: libcurl4). */
#define FW_CURL_SONAME "libcurl.so.4"

#define FW_CURL_API(X) \
    X(curl_global_init) X(curl_version) X(curl_version_info) X(curl_free) \
    X(curl_easy_init) X(curl_easy_cleanup) X(curl_easy_reset) X(curl_easy_strerror) \
    X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_easy_nextheader) \
    X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_add_handle) X(curl_multi_remove_handle) \
    X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_wakeup) X(curl_multi_info_read) \
    X(curl_multi_strerror) X(curl_multi_setopt) \
    X(curl_url) X(curl_url_set) X(curl_url_get) X(curl_url_cleanup)

/* libcurl's entry points, with the exact types of their declarations. */
struct fw_curl_functions {
#define FW_CURL_FIELD(name) __typeof__(name) *name;
    FW_CURL_API(FW_CURL_FIELD)
#undef FW_CURL_FIELD
};

/*
 * The loaded table: one per object file that uses these functions (a static
 * local in a header function, as Swift emits header statics only there);
 * each loads once under pthread_once, and dlopen hands every one the same
 * library.
 */
struct fw_curl_state {
    pthread_once_t once;
    struct fw_curl_functions functions;
    char error[512];
};

static inline struct fw_curl_state *fw_curl_state(void) {
    static struct fw_curl_state state = { PTHREAD_ONCE_INIT };
    return &state;
}

static inline void fw_curl_load_once(void) {
    struct fw_curl_state *s = fw_curl_state();
    void *lib = dlopen(FW_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char *why = dlerror();
        snprintf(s->error, sizeof s->error, "%s", why ? why : FW_CURL_SONAME " not found");
        return;
    }
#define FW_CURL_LOOKUP(name) \
    if (!(s->functions.name = (__typeof__(name) *)dlsym(lib, #name))) { \
        snprintf(s->error, sizeof s->error, "%s has no %s (libcurl 7.83 or newer is needed)", FW_CURL_SONAME, #name); \
        return; \
    }
    FW_CURL_API(FW_CURL_LOOKUP)
#undef FW_CURL_LOOKUP
}

/* Loads libcurl if that has not happened yet: NULL, or why it failed. */
static inline const char *fw_curl_load(void) {
    struct fw_curl_state *s = fw_curl_state();
    pthread_once(&s->once, fw_curl_load_once);
    return s->error[0] ? s->error : NULL;
}

/* The loaded functions; exits with code 3 and a message when libcurl is missing. */
static inline const struct fw_curl_functions *fw_curl(void) {
    const char *error = fw_curl_load();
    if (__builtin_expect(error != NULL, 0)) {
        fprintf(stderr, "feedwire: cannot load libcurl: %s; install the libcurl4 package\n", error);
        exit(3);
    }
    return &fw_curl_state()->functions;
}

static inline CURLcode fw_curl_global_init(long flags) { return fw_curl()->curl_global_init(flags); }
static inline char *fw_curl_version(void) { return fw_curl()->curl_version(); }
/* The content codings this libcurl decodes (what CURLOPT_ACCEPT_ENCODING ""
 * advertises): bit 0 deflate and gzip (zlib), bit 1 br, bit 2 zstd. */
static inline int fw_curl_decoders(void) {
    curl_version_info_data *d = fw_curl()->curl_version_info(CURLVERSION_NOW);
    int out = 0;
    if (d && (d->features & CURL_VERSION_LIBZ)) out |= 1;
    if (d && (d->features & CURL_VERSION_BROTLI)) out |= 2;
    if (d && (d->features & CURL_VERSION_ZSTD)) out |= 4;
    return out;
}
static inline void fw_curl_free(void *p) { fw_curl()->curl_free(p); }
static inline CURL *fw_curl_easy_init(void) { return fw_curl()->curl_easy_init(); }
static inline void fw_curl_easy_cleanup(CURL *h) { fw_curl()->curl_easy_cleanup(h); }
static inline void fw_curl_easy_reset(CURL *h) { fw_curl()->curl_easy_reset(h); }
static inline const char *fw_curl_easy_strerror(CURLcode c) { return fw_curl()->curl_easy_strerror(c); }
static inline struct curl_header *fw_curl_easy_nextheader(CURL *h, unsigned int origin, int request, struct curl_header *prev) {
    return fw_curl()->curl_easy_nextheader(h, origin, request, prev);
}
static inline CURLM *fw_curl_multi_init(void) { return fw_curl()->curl_multi_init(); }
static inline CURLMcode fw_curl_multi_cleanup(CURLM *m) { return fw_curl()->curl_multi_cleanup(m); }
static inline CURLMcode fw_curl_multi_add_handle(CURLM *m, CURL *h) { return fw_curl()->curl_multi_add_handle(m, h); }
static inline CURLMcode fw_curl_multi_remove_handle(CURLM *m, CURL *h) { return fw_curl()->curl_multi_remove_handle(m, h); }
static inline CURLMcode fw_curl_multi_perform(CURLM *m, int *running) { return fw_curl()->curl_multi_perform(m, running); }
static inline CURLMcode fw_curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms, int *ret) {
    return fw_curl()->curl_multi_poll(m, extra, n, timeout_ms, ret);
}
static inline CURLMcode fw_curl_multi_wakeup(CURLM *m) { return fw_curl()->curl_multi_wakeup(m); }
static inline CURLMsg *fw_curl_multi_info_read(CURLM *m, int *queued) { return fw_curl()->curl_multi_info_read(m, queued); }
static inline const char *fw_curl_multi_strerror(CURLMcode c) { return fw_curl()->curl_multi_strerror(c); }
static inline CURLU *fw_curl_url(void) { return fw_curl()->curl_url(); }
static inline CURLUcode fw_curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags) {
    return fw_curl()->curl_url_set(u, what, part, flags);
}
static inline CURLUcode fw_curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags) {
    return fw_curl()->curl_url_get(u, what, part, flags);
}
static inline void fw_curl_url_cleanup(CURLU *u) { fw_curl()->curl_url_cleanup(u); }

static inline CURLcode fw_easy_setopt_long(CURL *h, CURLoption o, long v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_write_cb(CURL *h, CURLoption o, curl_write_callback v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_xferinfo_cb(CURL *h, CURLoption o, curl_xferinfo_callback v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_opensocket_cb(CURL *h, CURLoption o, curl_opensocket_callback v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_closesocket_cb(CURL *h, CURLoption o, curl_closesocket_callback v) { return fw_curl()->curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_sockopt_cb(CURL *h, CURLoption o, curl_sockopt_callback v) { return fw_curl()->curl_easy_setopt(h, o, v); }

static inline CURLcode fw_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return fw_curl()->curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) { return fw_curl()->curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return fw_curl()->curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return fw_curl()->curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_double(CURL *h, CURLINFO i, double *v) { return fw_curl()->curl_easy_getinfo(h, i, v); }

static inline CURLMcode fw_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return fw_curl()->curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_pointer(CURLM *m, CURLMoption o, void *v) { return fw_curl()->curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_socket_cb(CURLM *m, CURLMoption o, curl_socket_callback v) { return fw_curl()->curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_timer_cb(CURLM *m, CURLMoption o, curl_multi_timer_callback v) { return fw_curl()->curl_multi_setopt(m, o, v); }

/* CURLMsg.data is a union; Swift reads its CURLcode member through this. */
static inline CURLcode fw_msg_result(const CURLMsg *m) { return m->data.result; }

/*
 * The IP address of the sockaddr libcurl is about to connect to (for the
 * network policy in the open-socket hook): copies 4 or 16 network-order
 * bytes to out and returns that count; 0 for any other family.
 */
static inline int fw_curl_sockaddr_ip(const struct curl_sockaddr *a, unsigned char out[16]) {
    if (a->family == AF_INET && a->addrlen >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&a->addr;
        memcpy(out, &in->sin_addr, 4);
        return 4;
    }
    if (a->family == AF_INET6 && a->addrlen >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&a->addr;
        memcpy(out, &in6->sin6_addr, 16);
        return 16;
    }
    return 0;
}

/* The same for a plain sockaddr (getaddrinfo results). */
static inline int fw_sockaddr_ip(const struct sockaddr *sa, unsigned char out[16]) {
    if (sa->sa_family == AF_INET) {
        memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return 4;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return 16;
    }
    return 0;
}

/* What libcurl's default open-socket does, plus close-on-exec. */
static inline curl_socket_t fw_open_socket(const struct curl_sockaddr *a) {
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* glibc allocator tuning for response buffers (see CurlGlobal.tuneAllocator). */
static inline void fw_malloc_keep_buffers(int mmap_threshold, int trim_threshold) {
    mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    mallopt(M_TRIM_THRESHOLD, trim_threshold);
}

/* Cast macros Swift does not import. */
static const curl_socket_t fw_CURL_SOCKET_BAD = CURL_SOCKET_BAD;
static const curl_socket_t fw_CURL_SOCKET_TIMEOUT = CURL_SOCKET_TIMEOUT;

#endif
