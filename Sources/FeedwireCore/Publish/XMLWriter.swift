/// A small streaming XML writer that can only produce well-formed output:
/// names are fixed by the caller (our own vocabulary), every text and
/// attribute value is cleaned and escaped by `XMLText`, and elements are
/// closed in order. Namespaces are whatever the caller puts on the root
/// element, so each is declared exactly once. Output is indented with two
/// spaces per level, which is deterministic and easy to diff.
public struct XMLWriter {
    public private(set) var bytes: [UInt8] = []
    private var open: [String] = []
    /// Whether the element on top of the stack has child elements (for indentation).
    private var hasChildren: [Bool] = []

    public typealias Attributes = [(String, String?)]

    /// Starts a document with the XML declaration (UTF-8).
    public init(capacity: Int = 64 * 1024, declaration: Bool = true) {
        bytes.reserveCapacity(capacity)
        if declaration { raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") }
    }

    /// Appends markup as is. Only for fixed, trusted strings (doctype, comments we write).
    public mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    private mutating func indent() {
        if !open.isEmpty {
            hasChildren[hasChildren.count - 1] = true
            bytes.append(0x0A)
        }
        for _ in 0..<open.count { bytes.append(0x20); bytes.append(0x20) }
    }

    private mutating func tag(_ name: String, _ attributes: Attributes, close: Bool) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        for (key, value) in attributes {
            guard let value else { continue }
            bytes.append(0x20)
            bytes.append(contentsOf: key.utf8)
            bytes.append(contentsOf: "=\"".utf8)
            XMLText.appendEscaped(value, to: &bytes, attribute: true)
            bytes.append(UInt8(ascii: "\""))
        }
        if close { bytes.append(contentsOf: "/>".utf8) } else { bytes.append(UInt8(ascii: ">")) }
    }

    /// Opens an element; attributes whose value is nil are left out.
    public mutating func start(_ name: String, _ attributes: Attributes = []) {
        indent()
        tag(name, attributes, close: false)
        open.append(name)
        hasChildren.append(false)
    }

    /// Closes the innermost open element.
    public mutating func end() {
        guard let name = open.popLast(), let children = hasChildren.popLast() else {
            preconditionFailure("XMLWriter.end() without an open element")
        }
        if children {
            bytes.append(0x0A)
            for _ in 0..<open.count { bytes.append(0x20); bytes.append(0x20) }
        }
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// `<name attrs>text</name>`; nothing at all when `text` is nil.
    public mutating func element(_ name: String, _ text: String?, _ attributes: Attributes = []) {
        guard let text else { return }
        indent()
        tag(name, attributes, close: false)
        XMLText.appendEscaped(text, to: &bytes, attribute: false)
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// `<name attrs/>`.
    public mutating func empty(_ name: String, _ attributes: Attributes = []) {
        indent()
        tag(name, attributes, close: true)
    }

    /// The finished document, ending with a line feed. Every element must be closed.
    public mutating func finish() -> [UInt8] {
        precondition(open.isEmpty, "XMLWriter.finish() with open elements: \(open)")
        bytes.append(0x0A)
        return bytes
    }
}
