import CLibXML2

/// The entities one parser context may expand, and the only owner of their
/// libxml2 structures.
///
/// libxml2 resolves a non-predefined reference by asking the SAX
/// `getEntity` callback; with our own `user_data` it never looks at the
/// document's declarations itself (platform notes §3). We answer with:
/// - an entity the document declared that is internal, general and plain
///   text of at most 1 KiB (anything else was refused in `entityDecl`);
/// - an HTML 4 named character (`&nbsp;`, `&eacute;` …), which feeds use
///   without declaring;
/// - for any other name, the reference's own text, so `&foo;` stays
///   readable instead of vanishing;
/// - for a declaration that was refused, nothing (the refusal is reported
///   once, where it was declared).
///
/// Each answer is an `xmlEntity` typed `XML_INTERNAL_PREDEFINED_ENTITY`
/// while in content: libxml2 then passes its text to `characters` once,
/// with no sub-parse and so no amplification. Inside attribute values
/// libxml2 would copy only the first byte of a predefined entity's text, so
/// there the same entity is typed as a general one: libxml2 then keeps the
/// `&name;` reference in the value and `XMLStartTag` expands it.
///
/// The entities live in a private document (freed in `deinit`), because
/// libxml2 2.9 exports no function to free a lone `xmlEntity`.
final class XMLEntityStore {
    enum Kind { case declared, html, literal, refused }

    struct Entry {
        let entity: xmlEntityPtr
        let kind: Kind
        /// The replacement text (UTF-8), for expanding references in attribute values.
        let text: [UInt8]
    }

    private var doc: xmlDocPtr?
    private var byPointer: [UnsafeRawPointer: Entry] = [:]
    private var byName: [String: Entry] = [:]

    init() {}

    deinit {
        if let doc { xmlFreeDoc(doc) }
    }

    private func ensureDocument() -> xmlDocPtr? {
        if let doc { return doc }
        guard let d = xmlNewDoc(nil) else { return nil }
        guard xmlCreateIntSubset(d, nil, nil, nil) != nil else { xmlFreeDoc(d); return nil }
        doc = d
        return d
    }

    private func add(name: String, text: [UInt8], kind: Kind) -> Entry? {
        guard let d = ensureDocument() else { return nil }
        var content = text
        content.append(0)
        let entity: xmlEntityPtr? = name.withCString { n in
            n.withMemoryRebound(to: xmlChar.self, capacity: name.utf8.count + 1) { np in
                content.withUnsafeBufferPointer { cp in
                    xmlAddDocEntity(d, np, Int32(XML_INTERNAL_GENERAL_ENTITY.rawValue), nil, nil, cp.baseAddress)
                }
            }
        }
        guard let entity else { return nil }
        let entry = Entry(entity: entity, kind: kind, text: text)
        byName[name] = entry
        return entry
    }

    /// Records a declaration the document may use (first declaration wins).
    /// Returns false when the name already exists or cannot be stored.
    func declare(name: String, text: [UInt8]) -> Bool {
        guard byName[name] == nil else { return false }
        return add(name: name, text: text, kind: .declared) != nil
    }

    /// A declaration that may not be expanded: its references read as nothing.
    func refuse(name: String) {
        if byName[name] == nil { _ = add(name: name, text: [], kind: .refused) }
    }

    /// The entry for a reference, creating HTML and literal entries on first use.
    func resolve(_ namePointer: UnsafePointer<xmlChar>) -> Entry? {
        let key = UnsafeRawPointer(namePointer)
        if let e = byPointer[key] { return e }
        let name = String(cString: namePointer)
        var entry = byName[name]
        if entry == nil {
            if let scalar = HTMLEntities.scalar(named: name) {
                entry = add(name: name, text: Array(String(Character(scalar)).utf8), kind: .html)
            } else {
                entry = add(name: name, text: Array("&\(name);".utf8), kind: .literal)
            }
        }
        if let entry { byPointer[key] = entry }
        return entry
    }

    /// Looks up a name seen inside an attribute value (after libxml2 kept the reference).
    func resolve(name: String) -> Entry? {
        byName[name]
    }
}
