import FeedwireXML

/// An OPML document as `import-opml` needs it: the title and the outline tree.
public struct OPMLDocument: Sendable, Equatable {
    public var title: String?
    public var outlines: [OPMLOutline]
    /// XML errors libxml2 recovered from (the outlines read are still used).
    public var problems: [String]
}

/// Reads OPML 1.0/2.0 (http://opml.org/spec2.opml) with FeedwireXML's SAX2
/// push parser: never the libxml2 tree API or `xmlReadFile`, whose tree
/// builder spends minutes on a 1.4 KB "parameter laughs" file on this
/// libxml2 (platform notes). The push parser expands no external or
/// parameter entity, and bounds depth and text.
///
/// What is read: `<head><title>`, and every `<outline>` under `<body>` with
/// all its attributes (any namespace-less attribute, as exports add their
/// own), nested as in the file, with its line.
public enum OPMLReader {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    static let names = ["opml", "head", "title", "body", "outline"]
    static let vocabulary = XMLVocabulary(names: names, namespaces: [])
    static let opml: Int32 = 0, head: Int32 = 1, title: Int32 = 2, body: Int32 = 3, outline: Int32 = 4

    public static func read(_ bytes: [UInt8]) throws(Failure) -> OPMLDocument {
        let handler = Handler()
        let parser = XMLPushParser(vocabulary: vocabulary, handler: handler)
        handler.parser = parser
        // The feed parser's charset handling (BOM, XML declaration, UTF-16,
        // legacy 8-bit charsets): libxml2 is only ever fed UTF-8.
        let head = Array(bytes.prefix(CharsetSniffer.maxHead))
        let decision = CharsetSniffer.decide(head: head, transport: nil, final: true)
            ?? CharsetSniffer.Decision(charset: "utf-8", bomLength: 0)
        let decoder = TextDecoder(charset: decision.charset)
        bytes.dropFirst(decision.bomLength).withUnsafeBytes { raw in
            decoder.decode(raw, final: true) { parser.parse($0) }
        }
        parser.finish()
        guard let root = handler.rootName else {
            throw Failure(description: "is not XML" + (parser.errors.first.map { ": \($0)" } ?? ""))
        }
        guard root == "opml" else {
            throw Failure(description: "is not OPML: its root element is <\(root)>, not <opml>")
        }
        guard handler.sawBody else {
            throw Failure(description: "is not OPML: it has no <body>")
        }
        // Close what a truncated file left open.
        while !handler.stack.isEmpty { handler.close() }
        return OPMLDocument(title: handler.title, outlines: handler.roots, problems: decoder.errors + parser.errors)
    }

    /// Builds the outline tree from SAX events. Used on one thread, inside `read`.
    final class Handler: XMLEventHandler {
        weak var parser: XMLPushParser?
        var rootName: String?
        var sawBody = false
        var inBody = false
        var inTitle = false
        var titleBytes: [UInt8] = []
        var title: String?
        var stack: [OPMLOutline] = []
        var roots: [OPMLOutline] = []

        func startElement(_ tag: XMLStartTag) -> Bool {
            if tag.depth == 1 {
                rootName = tag.localName
                return tag.name == OPMLReader.opml
            }
            switch tag.name {
            case OPMLReader.body where tag.depth == 2:
                sawBody = true
                inBody = true
            case OPMLReader.title where tag.depth == 3 && !inBody && title == nil:
                inTitle = true
            case OPMLReader.outline where inBody:
                var attributes: [String: String] = [:]
                tag.forEachAttribute { name, namespace, value in
                    if namespace == XMLVocabulary.noNamespace { attributes[name] = value }
                }
                stack.append(OPMLOutline(attributes, line: parser?.line ?? 0))
            default:
                break
            }
            return true
        }

        func endElement(name: Int32, namespace: Int32) {
            switch name {
            case OPMLReader.outline where inBody && !stack.isEmpty:
                close()
            case OPMLReader.body:
                while !stack.isEmpty { close() }
                inBody = false
            case OPMLReader.title where inTitle:
                inTitle = false
                let t = String(decoding: titleBytes, as: UTF8.self).trimmedWhitespace()
                title = t.isEmpty ? nil : t
            default:
                break
            }
        }

        func characters(_ text: UnsafeRawBufferPointer) {
            if inTitle && titleBytes.count < 4096 { titleBytes.append(contentsOf: text) }
        }

        func close() {
            let done = stack.removeLast()
            if stack.isEmpty { roots.append(done) } else { stack[stack.count - 1].children.append(done) }
        }
    }
}
