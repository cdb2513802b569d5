import CLibXML2
import Glibc

/// One start tag, as the SAX2 `startElementNs` callback reports it. Valid
/// only during `XMLEventHandler.startElement`: it points into libxml2's
/// buffers.
public struct XMLStartTag {
    /// Index into `XMLVocabulary.names`, or `XMLVocabulary.unknown`.
    public let name: Int32
    /// Namespace id from the vocabulary, `XMLVocabulary.noNamespace` or `.unknown`.
    public let namespace: Int32
    /// Nesting depth: the root element is 1.
    public let depth: Int
    let localNamePointer: UnsafePointer<UInt8>
    /// libxml2's attribute array: 5 pointers per attribute
    /// (localname, prefix, URI, value start, value end).
    let attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?
    public let attributeCount: Int
    /// Unowned without reference counting: the tag lives only inside the
    /// parser's own callback. `Unmanaged`, called through
    /// `_withUnsafeGuaranteedRef`: an `unowned(unsafe)` reference was
    /// retained and released around every use.
    let parserRef: Unmanaged<XMLPushParser>

    init(name: Int32, namespace: Int32, depth: Int, localNamePointer: UnsafePointer<UInt8>,
         attributes: UnsafeMutablePointer<UnsafePointer<UInt8>?>?, attributeCount: Int, parser: XMLPushParser) {
        self.name = name
        self.namespace = namespace
        self.depth = depth
        self.localNamePointer = localNamePointer
        self.attributes = attributes
        self.attributeCount = attributeCount
        parserRef = Unmanaged.passUnretained(parser)
    }

    /// The element's local name (no prefix). Builds a `String`: use `name`
    /// for recognised elements.
    public var localName: String { String(cString: localNamePointer) }

    /// The value of the attribute with vocabulary name `name` in
    /// `namespace` (default: no namespace), with references expanded once.
    public func attribute(_ name: Int32, namespace: Int32 = XMLVocabulary.noNamespace) -> String? {
        guard attributeCount > 0, let attributes else { return nil }
        return parserRef._withUnsafeGuaranteedRef { parser in
            guard let want = parser.pointer(forName: name) else { return nil }
            for i in 0..<attributeCount {
                guard let local = attributes[i * 5], UnsafeRawPointer(local) == want else { continue }
                guard parser.namespaceID(attributes[i * 5 + 2]) == namespace else { continue }
                return value(at: i)
            }
            return nil
        }
    }

    /// Calls `body` with each attribute's local name, namespace id and value.
    public func forEachAttribute(_ body: (_ localName: String, _ namespace: Int32, _ value: String) -> Void) {
        guard let attributes else { return }
        for i in 0..<attributeCount {
            guard let local = attributes[i * 5] else { continue }
            let namespace = parserRef._withUnsafeGuaranteedRef { $0.namespaceID(attributes[i * 5 + 2]) }
            body(String(cString: local), namespace, value(at: i))
        }
    }

    private func value(at i: Int) -> String {
        guard let attributes, let start = attributes[i * 5 + 3], let end = attributes[i * 5 + 4] else { return "" }
        let bytes = UnsafeBufferPointer(start: start, count: end - start)
        guard memchr(start, 0x26, bytes.count) != nil else {
            // libxml2 hands over attribute values in whole UTF-8 characters of
            // a document the caller validated (XMLPushParser's input contract).
            assert(String(validating: bytes, as: UTF8.self) != nil, "attribute value is not UTF-8")
            return String(copying: UTF8Span(unchecked: Span(_unsafeElements: bytes)))
        }
        return parserRef._withUnsafeGuaranteedRef { $0.expandAttributeReferences(bytes) }
    }
}
