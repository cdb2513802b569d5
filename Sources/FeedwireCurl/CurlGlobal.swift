import CCurl

/// Process-wide libcurl set-up. Call once from `main` before any thread
/// starts: `curl_global_init` is not thread-safe.
public enum CurlGlobal {
    public static func initialize() {
        _ = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }

    /// The libcurl version string, e.g. `libcurl/7.88.1 OpenSSL/3.0.19 …`.
    public static var version: String { String(cString: curl_version()) }
}
