/// Feed HTML reduced to what a chat message can show: paragraphs of text,
/// line breaks and links. Built by `HTMLText.parse`; rendered into each
/// service's markup by `RichTextRenderer`.
///
/// Text in spans is plain (entities decoded once, whitespace collapsed) and
/// not yet neutralised or escaped: that is the renderer's job, per service.
public struct RichText: Sendable, Equatable {
    public enum Span: Sendable, Equatable {
        case text(String)
        /// A link with visible text; `url` is absolute http(s).
        case link(text: String, url: String)
        case lineBreak
    }

    /// Non-empty paragraphs; no paragraph starts or ends with a line break.
    public var paragraphs: [[Span]]
    /// True when the source held more text than was kept.
    public var truncated: Bool

    public init(paragraphs: [[Span]] = [], truncated: Bool = false) {
        self.paragraphs = paragraphs
        self.truncated = truncated
    }

    /// Plain text from a plain string: paragraphs split on blank lines, lines on newlines.
    public init(plain: String) {
        var paragraphs: [[Span]] = []
        for block in plain.split(separator: "\n", omittingEmptySubsequences: false)
            .split(whereSeparator: { $0.allSatisfy(\.isWhitespace) }) {
            var spans: [Span] = []
            for (i, line) in block.enumerated() {
                let t = TextLimit.singleLine(String(line))
                if t.isEmpty { continue }
                if i > 0, !spans.isEmpty { spans.append(.lineBreak) }
                spans.append(.text(t))
            }
            if !spans.isEmpty { paragraphs.append(spans) }
        }
        self.init(paragraphs: paragraphs)
    }

    public var isEmpty: Bool { paragraphs.isEmpty }

    /// Visible text: paragraphs separated by a blank line, link texts without their URLs.
    public var plainText: String {
        paragraphs.map { spans in
            spans.map { span -> String in
                switch span {
                case let .text(t): return t
                case let .link(t, _): return t
                case .lineBreak: return "\n"
                }
            }.joined()
        }.joined(separator: "\n\n")
    }

    /// Visible length in Characters, counting a paragraph break as 2 and a line break as 1.
    public var visibleCount: Int {
        var n = 0
        for (i, p) in paragraphs.enumerated() {
            if i > 0 { n += 2 }
            for span in p {
                switch span {
                case let .text(t), let .link(t, _): n += t.count
                case .lineBreak: n += 1
                }
            }
        }
        return n
    }

    /// At most `characters` visible Characters (as `visibleCount` counts),
    /// ending with "…" when anything was cut. Links cut in their text keep
    /// their URL; whole Characters only.
    public func truncated(toCharacters characters: Int) -> RichText {
        if characters <= 0 { return RichText(paragraphs: [], truncated: !paragraphs.isEmpty || truncated) }
        if visibleCount <= characters && !truncated { return self }
        var budget = characters - 1  // room for the ellipsis
        var out: [[Span]] = []
        outer: for (i, p) in paragraphs.enumerated() {
            if i > 0 {
                if budget < 3 { break }
                budget -= 2
            }
            var spans: [Span] = []
            for span in p {
                switch span {
                case .lineBreak:
                    if budget < 2 { if !spans.isEmpty { out.append(spans) }; break outer }
                    budget -= 1
                    spans.append(.lineBreak)
                case let .text(t):
                    let n = t.count
                    if n <= budget {
                        spans.append(.text(t))
                        budget -= n
                    } else {
                        spans.append(.text(RichText.cut(t, budget)))
                        out.append(spans)
                        break outer
                    }
                case let .link(t, url):
                    let n = t.count
                    if n <= budget {
                        spans.append(.link(text: t, url: url))
                        budget -= n
                    } else {
                        let cut = RichText.cut(t, budget)
                        if !cut.isEmpty { spans.append(.link(text: cut, url: url)) }
                        out.append(spans)
                        break outer
                    }
                }
            }
            out.append(spans)
        }
        // Drop empty tails and trailing line breaks, then mark the cut.
        while let last = out.last, last.allSatisfy({ if case .lineBreak = $0 { return true }; return false }) { out.removeLast() }
        if var last = out.popLast() {
            while case .lineBreak? = last.last { last.removeLast() }
            out.append(RichText.appendEllipsis(last))
        }
        return RichText(paragraphs: out, truncated: true)
    }

    static func cut(_ text: String, _ budget: Int) -> String {
        var head = Substring(text.prefix(max(0, budget)))
        while let last = head.last, last.isWhitespace { head = head.dropLast() }
        return String(head)
    }

    static func appendEllipsis(_ spans: [Span]) -> [Span] {
        var spans = spans
        if case let .text(t)? = spans.last {
            spans[spans.count - 1] = .text(t + "…")
        } else {
            spans.append(.text("…"))
        }
        return spans
    }
}
