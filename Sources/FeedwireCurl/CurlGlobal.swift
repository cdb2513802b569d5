import CCurl

/// Process-wide libcurl set-up. Call once from `main` before any thread
/// starts: `curl_global_init` is not thread-safe.
public enum CurlGlobal {
    public static func initialize() {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        tuneAllocator()
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.19 …`.
    public static var version: String { String(cString: curl_version()) }

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
    static func tuneAllocator() {
        fw_malloc_keep_buffers(32 << 20, 64 << 20)
    }
}
