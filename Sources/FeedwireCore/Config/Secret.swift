import Glibc

/// A configuration value that must never be logged: written inline, as
/// `env:NAME` or as `file:/path` (first line of the file). Its description
/// never shows the value.
public struct Secret: Sendable, Equatable, CustomStringConvertible {
    public enum Source: Sendable, Equatable {
        case inline(String)
        case environment(String)
        case file(String)
    }

    public var source: Source

    public init(_ source: Source) { self.source = source }

    /// Reads `env:NAME`, `file:/path` or an inline value.
    public init(parsing text: String) {
        if text.hasPrefix("env:") {
            source = .environment(String(text.dropFirst(4)))
        } else if text.hasPrefix("file:") {
            source = .file(String(text.dropFirst(5)))
        } else {
            source = .inline(text)
        }
    }

    /// Never the value.
    public var description: String {
        switch source {
        case .inline: return "<secret>"
        case let .environment(name): return "env:\(name)"
        case let .file(path): return "file:\(path)"
        }
    }

    public struct Unavailable: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The value, read now.
    public func resolve(environment: [String: String]? = nil) throws(Unavailable) -> String {
        switch source {
        case let .inline(v):
            return v
        case let .environment(name):
            let value: String?
            if let environment { value = environment[name] } else { value = getenv(name).map { String(cString: $0) } }
            guard let value, !value.isEmpty else {
                throw Unavailable(description: "environment variable \(name) is not set; export it in the service's environment")
            }
            return value
        case let .file(path):
            guard let f = fopen(path, "r") else {
                throw Unavailable(description: "cannot read secret file \(path): \(String(cString: strerror(errno))); check the path and its permissions")
            }
            defer { fclose(f) }
            var bytes: [UInt8] = []
            while true {
                let c = fgetc(f)
                if c == EOF || c == 0x0A { break }
                bytes.append(UInt8(truncatingIfNeeded: c))
                if bytes.count > 65_536 { break }
            }
            if bytes.last == 0x0D { bytes.removeLast() }
            guard !bytes.isEmpty else {
                throw Unavailable(description: "secret file \(path) is empty")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
