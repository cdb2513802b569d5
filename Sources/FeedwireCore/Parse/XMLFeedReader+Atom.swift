import FeedwireXML

/// Atom 1.0 (RFC 4287) and Atom 0.3 (the 2003 draft: `tagline`, `modified`,
/// `issued`, `created`, `copyright`, `mode="escaped"`).
extension XMLFeedReader {
    @inline(__always) func isAtom(_ ns: Int32) -> Bool {
        ns == NS.atom || ns == NS.atom03 || (ns == NS.none && (format == .atom10 || format == .atom03))
    }

    func atomFeedChild(_ tag: XMLStartTag) {
        let ns = tag.namespace
        if isAtom(ns) {
            switch Name(rawValue: tag.name) {
            case .title?: textConstruct(tag, .feedTitle)
            case .subtitle?, .tagline?: textConstruct(tag, .feedSubtitle)
            case .link?: atomLink(tag, inFeed: true); ignore()
            case .id?: capture(.feedID)
            case .updated?, .modified?: capture(.feedUpdated)
            case .rights?, .copyright?: capture(.feedRights)
            case .generator?: capture(.feedGenerator)
            case .icon?: capture(.feedIcon)
            case .logo?: capture(.feedImage)
            case .author?: startPerson()
            case .category?:
                if let term = tag.attribute(.term) { addFeedCategory(term) }
                ignore()
            case .entry?: startItem(atom: true)
            default: ignore()
            }
            return
        }
        switch ns {
        case NS.dc:
            switch Name(rawValue: tag.name) {
            case .subject?: capture(.feedCategory)
            case .language?: capture(.feedLanguage)
            case .rights?: capture(.feedRights)
            case .creator?: capture(.feedAuthor)
            default: ignore()
            }
        case NS.sy:
            if tag.isName(.updatePeriod) {
                capture(.updatePeriod)
            } else if tag.isName(.updateFrequency) {
                capture(.updateFrequency)
            } else {
                ignore()
            }
        default:
            ignore()
        }
    }

    func entryChild(_ tag: XMLStartTag) {
        let ns = tag.namespace
        if isAtom(ns) {
            switch Name(rawValue: tag.name) {
            case .id?: capture(.itemID)
            case .title?: textConstruct(tag, .itemTitle)
            case .link?: atomLink(tag, inFeed: false); ignore()
            case .summary?: textConstruct(tag, .itemSummary)
            case .content?: textConstruct(tag, .itemContent)
            case .published?, .issued?: capture(.itemPublished)
            case .created?: capture(.itemPublishedAlt)
            case .updated?, .modified?: capture(.itemUpdated)
            case .author?: startPerson()
            case .category?:
                if let term = tag.attribute(.term) { addItemCategory(term) }
                ignore()
            case .source?: push(.source)
            case .entry?: restartItem(atom: true)
            default: ignore()
            }
            return
        }
        switch ns {
        case NS.media:
            mediaChild(tag)
        case NS.dc:
            switch Name(rawValue: tag.name) {
            case .subject?: capture(.itemCategory)
            case .creator?: capture(.itemAuthor)
            case .date?: capture(.itemPublishedAlt)
            default: ignore()
            }
        case NS.content:
            if tag.isName(.encoded), item.content == nil { capture(.itemContent, mode: .markup, type: .html) } else { ignore() }
        default:
            ignore()
        }
    }

    func personChild(_ tag: XMLStartTag) {
        guard isAtom(tag.namespace) else { return ignore() }
        switch Name(rawValue: tag.name) {
        case .name?: capture(.personName)
        case .email?: capture(.personEmail)
        case .uri?, .url?: capture(.personURI)
        default: ignore()
        }
    }

    /// `atom:source` (RFC 4287 §4.2.11): only where the entry came from.
    func sourceChild(_ tag: XMLStartTag) {
        if isAtom(tag.namespace), tag.isName(.link), item.sourceURL == nil {
            let rel = tag.attribute(.rel)?.trimmingFeedWhitespace().lowercased() ?? "alternate"
            if rel == "alternate" || rel == "self", let href = tag.attribute(.href) {
                item.sourceURL = nonEmpty(resolve(href))
            }
        }
        ignore()
    }

    /// Text and content constructs: RFC 4287 §3.1 (`type` text | html |
    /// xhtml, content also a MIME type, `src` for out-of-line content) and
    /// Atom 0.3 §3.1 (MIME `type`, `mode` xml | escaped | base64).
    func textConstruct(_ tag: XMLStartTag, _ target: Field) {
        let isContent = target == .itemContent
        if isContent, tag.attribute(.src) != nil { return ignore() }
        let atom03 = tag.namespace == NS.atom03 || format == .atom03
        let type = tag.attribute(.type)?.trimmingFeedWhitespace().lowercased() ?? (atom03 ? "text/plain" : "text")
        let isHTML = type == "html" || type == "text/html"
        let isXHTML = type == "xhtml" || type == "application/xhtml+xml"
        let isText = type == "text" || type.hasPrefix("text/")
        if atom03, let m = tag.attribute(.mode)?.trimmingFeedWhitespace().lowercased() {
            switch m {
            case "escaped": return capture(target, mode: .markup, type: isHTML || isXHTML ? .html : .text)
            case "base64": return ignore()
            default: break
            }
        }
        if isHTML {
            capture(target, mode: .markup, type: .html)
        } else if isXHTML || type.hasSuffix("+xml") || type.hasSuffix("/xml") {
            capture(target, mode: .xhtml, type: .html)
        } else if isText {
            capture(target, mode: .plain, type: .text)
        } else {
            ignore()   // other media types are base64 (RFC 4287 §4.1.3.3): not text
        }
    }
}
