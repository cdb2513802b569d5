import CLibXML2

/// The HTML 4 named character references (`&nbsp;`, `&eacute;`, `&mdash;` …),
/// from libxml2's own table (`htmlEntityLookup`, HTMLparser.h). Feeds use
/// them without declaring them; Feedwire decodes them wherever HTML text is
/// read. The table is static in libxml2, so lookups are thread-safe.
public enum HTMLEntities {
    /// The character a named reference stands for, e.g. `"eacute"` → `é`.
    public static func scalar(named name: String) -> Unicode.Scalar? {
        guard !name.isEmpty, name.utf8.count < 32 else { return nil }
        let value: UInt32? = name.withCString { p in
            p.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { htmlEntityLookup($0)?.pointee.value }
        }
        return value.flatMap(Unicode.Scalar.init)
    }
}
