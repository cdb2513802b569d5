import CLibXML2

/// The C callbacks of `XMLPushParser`. They capture nothing (Swift can only
/// pass non-capturing closures as C function pointers) and find their
/// parser through `user_data`, which holds an unretained reference: the
/// parser owns the context, so it outlives every callback.
extension XMLPushParser {
    static func makeSAXHandler() -> xmlSAXHandler {
        var h = xmlSAXHandler()
        h.initialized = UInt32(XML_SAX2_MAGIC)
        h.startElementNs = { ctx, localname, _, uri, _, _, count, _, attributes in
            guard let ctx, let localname else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
                $0.startElement(localname, uri, Int(count), attributes)
            }
        }
        h.endElementNs = { ctx, localname, _, uri in
            guard let ctx, let localname else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.endElement(localname, uri) }
        }
        h.characters = { ctx, text, length in
            guard let ctx, let text else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.characters(text, Int(length)) }
        }
        h.cdataBlock = { ctx, text, length in
            guard let ctx, let text else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.characters(text, Int(length)) }
        }
        h.serror = { ctx, error in
            guard let ctx, let error else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().libxmlError(error)
        }
        h.getEntity = { ctx, name in
            guard let ctx, let name else { return nil }
            return Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().entity(name)
        }
        h.entityDecl = { ctx, name, type, _, systemID, content in
            guard let ctx, let name else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue()
                .entityDeclaration(name, type, systemID, UnsafePointer(content))
        }
        h.internalSubset = { ctx, _, externalID, systemID in
            guard let ctx else { return }
            Unmanaged<XMLPushParser>.fromOpaque(ctx).takeUnretainedValue().externalSubset(externalID, systemID)
        }
        return h
    }
}
