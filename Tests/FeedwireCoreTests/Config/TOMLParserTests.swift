import FeedwireCore
import Testing

/// The TOML 1.0 reader: values, structure, lines, and every error with its line.
@Suite struct TOMLParserTests {
    func parse(_ text: String) throws -> TOMLTable {
        let doc = TOMLParser.parse(text)
        #expect(doc.errors.isEmpty, "\(doc.errors)")
        return doc.root
    }

    @Test func stringsOfEveryKind() throws {
        let root = try parse(#"""
        basic = "tab\there \"quoted\" \\ \u00E9 \U0001F600"
        literal = 'C:\Users\feedwire'
        multi = """
        Roses are red
        Violets are blue"""
        trimmed = """\
            The quick \
            brown fox."""
        raw = '''
        first line
          \n stays'''
        quotes = """He said ""hi"".""""
        empty = ""
        unicode = "Київ"
        "quoted key" = 1
        'literal key' = 2
        """#)
        #expect(root["basic"]?.string == "tab\there \"quoted\" \\ é 😀")
        #expect(root["literal"]?.string == #"C:\Users\feedwire"#)
        #expect(root["multi"]?.string == "Roses are red\nViolets are blue")
        #expect(root["trimmed"]?.string == "The quick brown fox.")
        #expect(root["raw"]?.string == "first line\n  \\n stays")
        #expect(root["quotes"]?.string == #"He said ""hi"".""#)
        #expect(root["empty"]?.string == "")
        #expect(root["unicode"]?.string == "Київ")
        #expect(root["quoted key"]?.integer == 1)
        #expect(root["literal key"]?.integer == 2)
    }

    @Test func numbersBooleansAndDates() throws {
        let root = try parse("""
        a = +99
        b = -17
        c = 1_000_000
        d = 0xDEAD_beef
        e = 0o755
        f = 0b1101
        g = 3.1415
        h = -5e+22
        i = 6.626e-34
        j = inf
        k = -inf
        l = nan
        m = true
        n = false
        o = 1979-05-27T07:32:00Z
        p = 1979-05-27 07:32:00.999-07:00
        q = 1979-05-27T07:32:00
        r = 1979-05-27
        s = 07:32:00
        t = 9223372036854775807
        u = -9223372036854775808
        v = 0
        w = 0.5
        """)
        #expect(root["a"]?.integer == 99)
        #expect(root["b"]?.integer == -17)
        #expect(root["c"]?.integer == 1_000_000)
        #expect(root["d"]?.integer == 0xDEADBEEF)
        #expect(root["e"]?.integer == 0o755)
        #expect(root["f"]?.integer == 13)
        #expect(root["g"]?.float == 3.1415)
        #expect(root["h"]?.float == -5e22)
        #expect(root["i"]?.float == 6.626e-34)
        #expect(root["j"]?.float == .infinity)
        #expect(root["k"]?.float == -.infinity)
        #expect(root["l"]?.float?.isNaN == true)
        #expect(root["m"]?.boolean == true)
        #expect(root["n"]?.boolean == false)
        #expect(root["o"]?.kind == .dateTime("1979-05-27T07:32:00Z"))
        #expect(root["p"]?.kind == .dateTime("1979-05-27 07:32:00.999-07:00"))
        #expect(root["q"]?.kind == .dateTime("1979-05-27T07:32:00"))
        #expect(root["r"]?.kind == .dateTime("1979-05-27"))
        #expect(root["s"]?.kind == .dateTime("07:32:00"))
        #expect(root["t"]?.integer == Int64.max)
        #expect(root["u"]?.integer == Int64.min)
        #expect(root["v"]?.integer == 0)
        #expect(root["w"]?.float == 0.5)
    }

    @Test func arraysAndInlineTables() throws {
        let root = try parse("""
        tags = [
          "ukraine",   # a comment
          'europe',
        ]
        mixed = [1, "two", [3, 4], { five = 5 }]
        empty = []
        point = { x = 1, y.z = 2, "q" = 'w' }
        none = {}
        """)
        #expect(root["tags"]?.array?.compactMap(\.string) == ["ukraine", "europe"])
        #expect(root["tags"]?.array?.map(\.line) == [2, 3])
        let mixed = try #require(root["mixed"]?.array)
        #expect(mixed.count == 4)
        #expect(mixed[2].array?.compactMap(\.integer) == [3, 4])
        #expect(mixed[3].table?["five"]?.integer == 5)
        #expect(root["empty"]?.array?.isEmpty == true)
        #expect(root["point"]?.table?["y"]?.table?["z"]?.integer == 2)
        #expect(root["point"]?.table?["q"]?.string == "w")
        #expect(root["none"]?.table?.entries.isEmpty == true)
    }

    @Test func tablesArraysOfTablesAndLines() throws {
        let root = try parse("""
        # top comment
        title = "x"

        [daemon]
        interval = "15m"

        [[feed]]
        name = "a"
        [feed.extra]
        deep = true

        [[feed]]
        name = "b"
        site.url = "https://b.example"

        [x.y.z]
        k = 1
        [x]
        l = 2
        """)
        #expect(root.keys == ["title", "daemon", "feed", "x"])
        let daemon = try #require(root["daemon"]?.table)
        #expect(daemon.line == 4)
        #expect(daemon.entry("interval")?.keyLine == 5)
        #expect(daemon["interval"]?.line == 5)
        let feeds = try #require(root["feed"]?.array)
        #expect(feeds.count == 2)
        #expect(feeds.map(\.line) == [7, 12])
        #expect(feeds[0].table?["extra"]?.table?["deep"]?.boolean == true)
        #expect(feeds[1].table?["site"]?.table?["url"]?.string == "https://b.example")
        #expect(root.entry("feed")?.keyLine == 7)
        #expect(root["x"]?.table?["y"]?.table?["z"]?.table?["k"]?.integer == 1)
        #expect(root["x"]?.table?["l"]?.integer == 2)
        #expect(root["x"]?.table?.line == 18)
    }

    @Test func multiLineValuesKeepTheirStartLineAndCountLines() throws {
        let root = try parse("a = \"\"\"\none\ntwo\n\"\"\"\nb = [\n1,\n2\n]\nc = 3\r\nd = 4\n")
        #expect(root["a"]?.line == 1)
        #expect(root["b"]?.line == 5)
        #expect(root["c"]?.line == 9)
        #expect(root["d"]?.line == 10)
    }

    @Test func byteOrderMarkIsIgnored() throws {
        let root = try parse("\u{FEFF}a = 1\n")
        #expect(root["a"]?.integer == 1)
    }

    /// (document, line of the error, part of the message, syntax or not)
    static let errors: [(String, Int, String, Bool)] = [
        ("a = 1\nb = \"open\n", 2, "unterminated string", true),
        ("a = 'open\n", 1, "unterminated string", true),
        ("a = \"\"\"\nnever closed\n", 1, "unterminated multi-line string", true),
        ("a = '''\nnever closed", 1, "unterminated multi-line string", true),
        ("a = [1, 2\nb = 3\n", 2, "expected `,` or `]`", true),
        ("a = [1, 2,\n", 1, "unterminated array", true),
        ("a = { b = 1,\n c = 2 }\n", 1, "must close on the line it opens", true),
        ("a = { b = 1, }\n", 1, "cannot end with a comma", true),
        ("\n\ninterval = 15m\n", 3, "strings need quotes", true),
        ("enabled = yes\n", 1, "strings need quotes", true),
        ("a = 1 b = 2\n", 1, "expected the end of the line", true),
        ("a =\n", 1, "expected a value", true),
        ("a\n", 1, "has no value", true),
        ("= 1\n", 1, "expected a key", true),
        ("ключ = 1\n", 1, "put the key in quotes", true),
        ("a = \"bad \\q escape\"\n", 1, "invalid escape", true),
        ("path = \"C:\\Users\"\n", 1, "invalid escape", true),
        ("a = \"\\uD800\"\n", 1, "not a Unicode scalar value", true),
        ("a = \"\\u12\"\n", 1, "exactly 4 hex digits", true),
        ("a = 012\n", 1, "leading zeros", true),
        ("mode = 0644\n", 1, "leading zeros", true),
        ("a = 1__0\n", 1, "invalid number", true),
        ("a = _1\n", 1, "invalid number", true),
        ("a = 9223372036854775808\n", 1, "does not fit in 64 bits", true),
        ("a = 0xFFFFFFFFFFFFFFFF\n", 1, "invalid number", true),
        ("a = 1.\n", 1, "invalid number", true),
        ("a = .5\n", 1, "invalid number", true),
        ("a = 1979-13-01\n", 1, "invalid date-time", true),
        ("a = 1979-02-30T00:00:00Z\n", 1, "invalid date-time", true),
        ("a = 25:00:00\n", 1, "invalid date-time", true),
        ("[table\n", 1, "expected `]`", true),
        ("[[array]\n", 1, "expected `]]`", true),
        ("[a] b = 1\n", 1, "expected the end of the line", true),
        ("a = 1\r\n\rb = 2\n", 2, "carriage return", true),
        ("# bad \u{01} control\n", 1, "control character", true),
        ("a = \"tab\tok but \u{7F} not\"\n", 1, "control character", true),
        ("a = \"\"\"x\"\"\"\"\"\"\n", 1, "too many quotes", true),
        (String(repeating: "a = [", count: 1) + String(repeating: "[", count: 70) + "\n", 1, "nested more than", true),
        // Redefinitions: reported, then reading goes on.
        ("a = 1\na = 2\n", 2, "duplicate key `a` (first defined at line 1)", false),
        ("[t]\nx = 1\n[t]\ny = 2\n", 3, "table [t] is defined twice (first at line 1)", false),
        ("[[t]]\n[t]\n", 2, "names an array of tables", false),
        ("[t]\n[[t]]\n", 2, "is already a table", false),
        ("t = 1\n[t]\n", 2, "already has a value", false),
        ("t = { a = 1 }\n[t.b]\n", 2, "is an inline table", false),
        ("a.b = 1\n[a.b]\n", 2, "already has a value", false),
        ("a.b.c = 1\n[a.b]\n", 2, "already defined by dotted keys", false),
        ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1\n", 4, "which is defined at line 1", false),
        ("a = 1\na.b = 2\n", 2, "already has a value", false),
        ("arr = [1]\n[[arr]]\n", 2, "already has a value", false),
        ("p = { x = 1, x = 2 }\n", 1, "duplicate key `x`", false),
        ("[[t]]\nt2 = 1\n[t.sub]\nq = 1\n[t.sub]\n", 5, "defined twice", false),
        // From toml-lang/toml-test: invalid/table/injection-2, inline-table/nested_key_conflict,
        // array/extending-table, spec/table-9-1.
        ("[a.b.c.d]\n  z = 9\n[a]\n  b.c.d.k.t = 1\n", 4, "which is defined at line 1", false),
        ("tbl = { fruit = { apple.color = \"red\" }, fruit.apple.texture = { smooth = true } }\n", 1, "already has a value", false),
        ("a = [{ b = 1 }]\n[a.c]\nfoo = 1\n", 2, "is a value", false),
        ("[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n", 4, "already defined by dotted keys", false),
    ]

    @Test(arguments: errors)
    func errorsCarryTheirLine(_ text: String, _ line: Int, _ fragment: String, _ syntax: Bool) {
        let doc = TOMLParser.parse(text)
        let first = doc.errors.first
        #expect(first != nil, "no error for \(text.debugDescription)")
        #expect(first?.line == line, "\(String(describing: first)) for \(text.debugDescription)")
        #expect(first?.message.contains(fragment) == true, "\(String(describing: first)) for \(text.debugDescription)")
        #expect(doc.hasSyntaxError == syntax)
    }

    @Test func redefinitionsAreAllReportedAndTheFirstValueKept() {
        let doc = TOMLParser.parse("a = 1\na = 2\n[t]\n[t]\nb = 1\nb = 2\nlast = true\n")
        #expect(doc.errors.map(\.line) == [2, 4, 6])
        #expect(doc.root["a"]?.integer == 1)
        #expect(doc.root["last"] == nil)  // under the rejected second [t]
    }

    @Test func validSubtablesOfDottedAndImplicitTables() throws {
        let root = try parse("""
        [fruit]
        apple.color = "red"
        apple.taste.sweet = true
        [fruit.apple.texture]
        smooth = true
        [[fruit.varieties]]
        name = "a"
        [[fruit.varieties]]
        name = "b"
        [fruit.varieties.info]
        n = 2
        """)
        let fruit = try #require(root["fruit"]?.table)
        #expect(fruit["apple"]?.table?["texture"]?.table?["smooth"]?.boolean == true)
        let varieties = try #require(fruit["varieties"]?.array)
        #expect(varieties.count == 2)
        #expect(varieties[1].table?["info"]?.table?["n"]?.integer == 2)
        #expect(varieties[0].table?["info"] == nil)
    }
}
