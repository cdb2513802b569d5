/// The element/attribute names and namespace URIs a reader cares about.
///
/// Why: building a `String` for every element name costs more than libxml2's
/// whole parse (platform notes §3, callgrind). libxml2 interns every name in
/// the parser context's dictionary, so an `XMLPushParser` interns these
/// names once per context with `xmlDictLookup` and recognises elements by
/// pointer. The handler then sees small integers: `name` is an index into
/// `names` (or `XMLVocabulary.unknown`), `namespace` an id from `namespaces`
/// (`XMLVocabulary.noNamespace` for none, `unknown` for any other URI).
public struct XMLVocabulary: Sendable {
    /// Local names (elements and attributes share one table).
    public let names: [String]
    /// Namespace URIs and the id each stands for; several spellings may
    /// share one id (`http://search.yahoo.com/mrss/` and `…/mrss`).
    public let namespaces: [(uri: String, id: Int32)]
    /// Maps a URI that is not listed to an id (or `unknown`); asked at most
    /// once per URI per document. Lets readers accept case or trailing-slash
    /// variants without listing every spelling.
    public let namespaceFallback: @Sendable (String) -> Int32

    public static let unknown: Int32 = -1
    public static let noNamespace: Int32 = 0

    public init(names: [String], namespaces: [(uri: String, id: Int32)],
                namespaceFallback: @escaping @Sendable (String) -> Int32 = { _ in XMLVocabulary.unknown }) {
        precondition(namespaces.allSatisfy { $0.id > 0 }, "namespace ids must be positive")
        self.names = names
        self.namespaces = namespaces
        self.namespaceFallback = namespaceFallback
    }
}

/// A fixed-size open-addressing map from interned-name pointers to small
/// integers: one multiply and usually one probe per lookup.
struct PointerTable {
    private var keys: [UInt]
    private var values: [Int32]
    private let mask: Int
    private(set) var count = 0

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: XMLVocabulary.unknown, count: size)
        mask = size - 1
    }

    @inline(__always)
    private func slot(_ key: UInt) -> Int {
        Int(truncatingIfNeeded: (key >> 3) &* 0x9E37_79B9_7F4A_7C15 >> 40) & mask
    }

    /// Inserts unless the key is present; returns false when the table is full.
    @discardableResult
    mutating func insert(_ pointer: UnsafeRawPointer, _ value: Int32) -> Bool {
        let key = UInt(bitPattern: pointer)
        guard count < mask else { return false }
        var i = slot(key)
        while keys[i] != 0 {
            if keys[i] == key { return true }
            i = (i + 1) & mask
        }
        keys[i] = key
        values[i] = value
        count += 1
        return true
    }

    /// The value for `pointer`, or nil when it was never inserted.
    @inline(__always)
    func lookup(_ pointer: UnsafeRawPointer) -> Int32? {
        let key = UInt(bitPattern: pointer)
        var i = slot(key)
        while true {
            let k = keys[i]
            if k == key { return values[i] }
            if k == 0 { return nil }
            i = (i + 1) & mask
        }
    }
}
