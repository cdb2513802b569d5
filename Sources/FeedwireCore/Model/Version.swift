/// Feedwire's version, shown by `--version` and in the User-Agent.
public enum FeedwireVersion {
    public static let current = "0.1.0"

    /// `Feedwire/0.1.0 (+ops@example.org)`; the contact tells publishers whom to ask.
    public static func userAgent(contact: String?) -> String {
        guard let contact, !contact.isEmpty else { return "Feedwire/\(current)" }
        return "Feedwire/\(current) (+\(contact))"
    }
}
