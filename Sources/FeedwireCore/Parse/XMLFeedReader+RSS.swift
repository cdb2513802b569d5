import FeedwireXML

/// RSS 0.90, 0.91–0.94, 1.0 (RDF) and 2.0 elements, with the modules feeds
/// use inside them: content (`content:encoded`), Dublin Core, DC terms,
/// syndication (`sy:`), Atom links and dates, and Media RSS.
extension XMLFeedReader {
    func rssRootChild(_ tag: XMLStartTag) {
        guard isRSSCore(tag.namespace) else { return ignore() }
        if tag.isName(.channel) {
            push(.channel)
        } else if tag.isName(.item) {
            // Items outside the channel: RSS 0.90 style, or after a stray end tag.
            startItem(atom: false)
        } else if tag.isName(.image) {
            push(.image)
        } else {
            ignore()
        }
    }

    func rdfRootChild(_ tag: XMLStartTag) {
        let ns = tag.namespace
        guard isRSSCore(ns) else { return ignore() }
        noteRDFNamespace(ns)
        if tag.isName(.channel) {
            if let about = tag.attribute(.about, namespace: NS.rdf), feed.id == nil {
                feed.id = about.trimmingFeedWhitespace()
            }
            push(.channel)
        } else if tag.isName(.item) {
            startItem(atom: false)
            if let about = tag.attribute(.about, namespace: NS.rdf) { item.id = nonEmpty(about) }
        } else if tag.isName(.image) {
            push(.image)
        } else {
            ignore()
        }
    }

    func channelChild(_ tag: XMLStartTag) {
        let ns = tag.namespace
        if isRSSCore(ns) {
            switch Name(rawValue: tag.name) {
            case .title?: capture(.feedTitle, mode: .markup)
            case .link?: capture(.feedLink)
            case .description?: capture(.feedSubtitle)
            case .language?: capture(.feedLanguage)
            case .copyright?: capture(.feedRights)
            case .managingEditor?: capture(.feedAuthor)
            case .pubDate?: capture(.feedPublished)
            case .lastBuildDate?: capture(.feedUpdated)
            case .category?: capture(.feedCategory)
            case .generator?: capture(.feedGenerator)
            case .ttl?: capture(.ttl)
            case .image?: push(.image)
            case .skipHours?: push(.skipHours)
            case .skipDays?: push(.skipDays)
            case .item?:
                noteRDFNamespace(ns)
                startItem(atom: false)
                if let about = tag.attribute(.about, namespace: NS.rdf) { item.id = nonEmpty(about) }
            default: ignore()
            }
            return
        }
        switch ns {
        case NS.dc:
            switch Name(rawValue: tag.name) {
            case .creator?: capture(.feedAuthor)
            case .date?: capture(.feedUpdatedAlt)
            case .subject?: capture(.feedCategory)
            case .rights?: capture(.feedRights)
            case .language?: capture(.feedLanguage)
            default: ignore()
            }
        case NS.dcterms:
            if tag.isName(.modified) { capture(.feedUpdatedAlt) } else { ignore() }
        case NS.sy:
            if tag.isName(.updatePeriod) {
                capture(.updatePeriod)
            } else if tag.isName(.updateFrequency) {
                capture(.updateFrequency)
            } else {
                ignore()
            }
        case NS.atom:
            if tag.isName(.link) {
                atomLink(tag, inFeed: true)
                ignore()
            } else if tag.isName(.updated) {
                capture(.feedUpdatedAlt)
            } else {
                ignore()
            }
        default:
            ignore()
        }
    }

    func imageChild(_ tag: XMLStartTag) {
        if isRSSCore(tag.namespace), tag.isName(.url) { capture(.feedImage) } else { ignore() }
    }

    func itemChild(_ tag: XMLStartTag) {
        let ns = tag.namespace
        if isRSSCore(ns) {
            switch Name(rawValue: tag.name) {
            case .title?: capture(.itemTitle, mode: .markup)
            case .link?: capture(.itemLink)
            case .description?: capture(.itemSummary, mode: .markup, type: .html)
            case .author?: capture(.itemAuthor)
            case .category?: capture(.itemCategory)
            case .comments?: capture(.itemComments)
            case .guid?:
                if let p = tag.attribute(.isPermaLink) {
                    let v = p.trimmingFeedWhitespace().lowercased()
                    item.idIsPermaLink = v == "false" ? false : (v == "true" ? true : nil)
                }
                capture(.itemGuid)
            case .pubDate?: capture(.itemPublished)
            case .enclosure?:
                if let url = tag.attribute(.url) {
                    addEnclosure(url: url, type: tag.attribute(.type), length: tag.attribute(.length))
                }
                ignore()
            case .source?:
                if let url = tag.attribute(.url) { item.sourceURL = nonEmpty(resolve(url)) }
                ignore()
            case .item?: restartItem(atom: false)
            default: ignore()
            }
            return
        }
        switch ns {
        case NS.content:
            if tag.isName(.encoded) { capture(.itemContent, mode: .markup, type: .html) } else { ignore() }
        case NS.dc:
            switch Name(rawValue: tag.name) {
            case .creator?: capture(.itemAuthor)
            case .date?: capture(.itemPublishedAlt)
            case .subject?: capture(.itemCategory)
            default: ignore()
            }
        case NS.dcterms:
            switch Name(rawValue: tag.name) {
            case .modified?: capture(.itemUpdatedAlt)
            case .issued?, .created?: capture(.itemPublishedAlt)
            default: ignore()
            }
        case NS.atom:
            switch Name(rawValue: tag.name) {
            case .link?: atomLink(tag, inFeed: false); ignore()
            case .updated?: capture(.itemUpdated)
            case .published?: capture(.itemPublishedAlt)
            default: ignore()
            }
        case NS.media:
            mediaChild(tag)
        default:
            ignore()
        }
    }

    /// Media RSS (`media:content`, `media:thumbnail`, `media:group`), in RSS
    /// items, Atom entries and inside groups and content elements.
    func mediaChild(_ tag: XMLStartTag) {
        guard tag.namespace == NS.media else { return ignore() }
        switch Name(rawValue: tag.name) {
        case .content?:
            if let url = tag.attribute(.url) {
                addEnclosure(url: url, type: tag.attribute(.type), length: tag.attribute(.fileSize))
            }
            push(.mediaContent)
        case .thumbnail?:
            if item.image == nil, let url = tag.attribute(.url) { item.image = nonEmpty(resolve(url)) }
            ignore()
        case .group?:
            push(.mediaContent)
        default:
            ignore()
        }
    }

    /// `atom:link` (in Atom, or inside RSS): `alternate` (or no rel) is the
    /// link, `enclosure` an attachment, `replies` (RFC 4685) the comments.
    func atomLink(_ tag: XMLStartTag, inFeed: Bool) {
        guard let href = tag.attribute(.href) else { return }
        let rel = tag.attribute(.rel)?.trimmingFeedWhitespace().lowercased() ?? "alternate"
        switch rel {
        case "alternate", "http://www.iana.org/assignments/relation/alternate":
            if inFeed {
                if feed.link == nil { feed.link = nonEmpty(resolve(href)) }
            } else if item.link == nil {
                item.link = nonEmpty(resolve(href))
            }
        case "enclosure":
            if !inFeed { addEnclosure(url: href, type: tag.attribute(.type), length: tag.attribute(.length)) }
        case "replies":
            if !inFeed, item.comments == nil {
                let type = tag.attribute(.type)?.lowercased() ?? "text/html"
                if type.contains("html") { item.comments = nonEmpty(resolve(href)) }
            }
        default:
            break
        }
    }

    func addEnclosure(url: String, type: String?, length: String?) {
        guard let resolved = nonEmpty(resolve(url)) else { return }
        if item.enclosures.contains(where: { $0.url == resolved }) { return }
        let bytes = length.flatMap { Int64($0.trimmingFeedWhitespace()) }.flatMap { $0 > 0 ? $0 : nil }
        item.enclosures.append(Enclosure(url: resolved, type: type.flatMap { nonEmpty($0) }, length: bytes))
    }
}

func nonEmpty(_ s: String) -> String? {
    let t = s.trimmingFeedWhitespace()
    return t.isEmpty ? nil : t
}
