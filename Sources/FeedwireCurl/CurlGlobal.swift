import CCurl

/// Process-wide libcurl set-up. Call once from `main` before any thread
/// starts: `curl_global_init` is not thread-safe.
///
/// libcurl itself is loaded here, on first use (CCurl.h: commands that never
/// fetch do not pay for loading it); when it cannot be loaded the process
/// exits with code 3 and says which package to install.
public enum CurlGlobal {
    public static func initialize() {
        _ = fw_curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        tuneAllocator()
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.19 …`.
    public static var version: String { String(cString: fw_curl_version()) }

    /// Keeps freed response buffers in the heap for the next transfer.
    ///
    /// Every response body is a fresh buffer (tens of KiB to `max_body`),
    /// filled on the engine's thread and freed on another once parsed. With
    /// glibc's defaults the arena is trimmed after such frees and large
    /// buffers come from `mmap`, so each response's pages are faulted in and
    /// zeroed anew: in `make bench-fetch` that was a third of the CPU of a
    /// full round. A fixed mmap threshold of 32 MiB (above the 15 MiB body
    /// cap) and a 64 MiB trim threshold keep those pages mapped; memory
    /// beyond 64 MiB of free heap is still returned to the system.
    ///
    /// `feedwire parse` over many files gains too: each file's parser
    /// buffers (over 128 KiB) were mapped, faulted in and unmapped anew,
    /// three times the page faults of the whole run (`make bench-parse`,
    /// 1000 feeds: 4,700 → 1,500 faults, about 3% of its CPU). The tuning
    /// is glibc's only (no libcurl), so it costs `parse` no library load.
    public static func tuneAllocator() {
        fw_malloc_keep_buffers(32 << 20, 64 << 20)
    }
}
