#ifndef FEEDWIRE_CCURL_H
#define FEEDWIRE_CCURL_H
/*
 * libcurl for FeedwireCurl only.
 *
 * curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are C variadics,
 * which Swift cannot call: one typed wrapper per argument kind instead.
 */
#include <curl/curl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <string.h>
#include <malloc.h>

static inline CURLcode fw_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_write_cb(CURL *h, CURLoption o, curl_write_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_xferinfo_cb(CURL *h, CURLoption o, curl_xferinfo_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_opensocket_cb(CURL *h, CURLoption o, curl_opensocket_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_closesocket_cb(CURL *h, CURLoption o, curl_closesocket_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode fw_easy_setopt_sockopt_cb(CURL *h, CURLoption o, curl_sockopt_callback v) { return curl_easy_setopt(h, o, v); }

static inline CURLcode fw_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_off_t(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode fw_easy_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

static inline CURLMcode fw_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_pointer(CURLM *m, CURLMoption o, void *v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_socket_cb(CURLM *m, CURLMoption o, curl_socket_callback v) { return curl_multi_setopt(m, o, v); }
static inline CURLMcode fw_multi_setopt_timer_cb(CURLM *m, CURLMoption o, curl_multi_timer_callback v) { return curl_multi_setopt(m, o, v); }

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
