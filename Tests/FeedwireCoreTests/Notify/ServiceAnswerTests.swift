import FeedwireCore
import FeedwireTestSupport
import Testing

@Suite struct ServiceAnswerTests {
    func answer(_ status: Int, _ body: String = "", _ headers: [(String, String)] = []) -> Result<HTTPResponse, TransportError> {
        .success(HTTPResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8), finalURL: "https://x"))
    }

    func outcome(_ type: NotifierType, _ r: Result<HTTPResponse, TransportError>, mode: DeliveryMode = .post) -> DeliveryOutcome {
        ServiceAnswer.interpret(r, type: type, mode: mode, now: 1_000)
    }

    @Test func successesAndRemoteIDs() {
        #expect(outcome(.discord, answer(200, #"{"id":"1234567890123","type":0}"#)) == .delivered(RemoteMessage(id: "1234567890123")))
        #expect(outcome(.discord, answer(204)) == .delivered(nil))
        #expect(outcome(.telegram, answer(200, #"{"ok":true,"result":{"message_id":17}}"#)) == .delivered(RemoteMessage(id: "17")))
        #expect(outcome(.matrix, answer(200, #"{"event_id":"$abc"}"#)) == .delivered(RemoteMessage(id: "$abc")))
        #expect(outcome(.gchat, answer(200, #"{"name":"spaces/A/messages/B","thread":{"name":"spaces/A/threads/T"}}"#))
                == .delivered(RemoteMessage(id: "spaces/A/messages/B", thread: "spaces/A/threads/T")))
        #expect(outcome(.slack, answer(200, "ok")) == .delivered(nil))
        #expect(outcome(.teams, answer(202)) == .delivered(nil))
    }

    @Test func rateLimitsReadEveryHint() {
        // Discord: float retry_after in the body, whole seconds in Retry-After: the larger wins.
        let d = outcome(.discord, answer(429, #"{"message":"You are being rate limited.","retry_after":1.234,"global":false}"#,
                                         [("Retry-After", "2"), ("X-RateLimit-Reset-After", "1.234")]))
        #expect(d == .rateLimited(retryAfter: 2, detail: #"HTTP 429: {"message":"You are being rate limited.","retry_after":1.234,"global":false}"#))
        if case let .rateLimited(after, _) = outcome(.matrix, answer(429, #"{"errcode":"M_LIMIT_EXCEEDED","retry_after_ms":2500}"#)) {
            #expect(after == 2.5)
        } else { Issue.record("matrix 429") }
        if case let .rateLimited(after, _) = outcome(.telegram, answer(429, #"{"ok":false,"error_code":429,"parameters":{"retry_after":41}}"#)) {
            #expect(after == 41)
        } else { Issue.record("telegram 429") }
        if case let .rateLimited(after, _) = outcome(.gchat, answer(429, #"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}"#)) {
            #expect(after == nil)
        } else { Issue.record("gchat 429") }
        // HTTP-date form (RFC 9110 §10.2.3).
        let date = Timestamp(seconds: 1_030).httpDate
        if case let .rateLimited(after, _) = outcome(.webhook, answer(429, "", [("Retry-After", date)])) {
            #expect(after == 30)
        } else { Issue.record("date Retry-After") }
    }

    @Test func goneEndpoints() {
        func isGone(_ o: DeliveryOutcome) -> Bool { if case .gone = o { return true }; return false }
        #expect(isGone(outcome(.webhook, answer(410, #"{"error":"gone"}"#))))
        #expect(isGone(outcome(.discord, answer(404, #"{"message":"Unknown Webhook","code":10015}"#))))
        #expect(isGone(outcome(.slack, answer(410, "channel_is_archived"))))
        #expect(isGone(outcome(.slack, answer(404, "no_service"))))
        #expect(isGone(outcome(.slack, answer(403, "invalid_token"))))
        #expect(isGone(outcome(.telegram, answer(403, #"{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}"#))))
        #expect(isGone(outcome(.telegram, answer(400, #"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#))))
        #expect(isGone(outcome(.matrix, answer(403, #"{"errcode":"M_FORBIDDEN","error":"User not in room"}"#))))
        #expect(isGone(outcome(.matrix, answer(401, #"{"errcode":"M_UNKNOWN_TOKEN"}"#))))
        #expect(isGone(outcome(.mattermost, answer(404, #"{"id":"web.incoming_webhook.invalid.app_error"}"#))))
        #expect(isGone(outcome(.gchat, answer(404, #"{"error":{"code":404,"status":"NOT_FOUND"}}"#))))
        #expect(isGone(outcome(.ntfy, answer(403, #"{"code":40301}"#))))
        #expect(isGone(outcome(.teams, answer(404, "Webhook not found"))))
        #expect(isGone(outcome(.slack, .failure(.refusedByPolicy("127.0.0.1")))))
        // A generic webhook's 404 is a rejected message, not a gone endpoint (Standard Webhooks: only 410).
        #expect(!isGone(outcome(.webhook, answer(404))))
    }

    @Test func retriesAndRejections() {
        #expect(outcome(.discord, answer(502, "<html>Bad Gateway</html>")) == .retry("HTTP 502: <html>Bad Gateway</html>", retryAfter: nil))
        #expect(outcome(.webhook, answer(503, "", [("Retry-After", "120")])) == .retry("HTTP 503", retryAfter: 120))
        #expect(outcome(.slack, .failure(.timeout("15 s"))) == .retry("timed out (15 s)", retryAfter: nil))
        if case let .retry(detail, _) = outcome(.webhook, answer(301, "", [("Location", "https://y")])) {
            #expect(detail.contains("redirects are not followed"))
        } else { Issue.record("3xx") }
        #expect(outcome(.discord, answer(400, #"{"code":50035,"message":"Invalid Form Body"}"#))
                == .rejected(#"HTTP 400: {"code":50035,"message":"Invalid Form Body"}"#))
        #expect(outcome(.slack, answer(400, "invalid_blocks")) == .rejected("HTTP 400: invalid_blocks"))
        #expect(outcome(.matrix, answer(413, #"{"errcode":"M_TOO_LARGE"}"#)) == .rejected(#"HTTP 413: {"errcode":"M_TOO_LARGE"}"#))
    }

    @Test func editsThatFindNothingOrChangeNothing() {
        let edit = DeliveryMode.edit(RemoteMessage(id: "5"))
        if case .editTargetMissing = outcome(.discord, answer(404, #"{"message":"Unknown Message","code":10008}"#), mode: edit) {} else {
            Issue.record("discord unknown message")
        }
        if case .editTargetMissing = outcome(.telegram, answer(400, #"{"ok":false,"description":"Bad Request: message to edit not found"}"#), mode: edit) {} else {
            Issue.record("telegram edit not found")
        }
        #expect(outcome(.telegram, answer(400, #"{"ok":false,"description":"Bad Request: message is not modified: specified new message content"}"#), mode: edit)
                == .delivered(nil))
        // Editing through a webhook that is itself gone: gone, not a missing message.
        if case .gone = outcome(.discord, answer(404, #"{"message":"Unknown Webhook","code":10015}"#), mode: edit) {} else {
            Issue.record("discord edit through a gone webhook")
        }
    }

    @Test func rateHintsFromHeaders() {
        let r = HTTPResponse(status: 200, headers: HTTPHeaders([("X-RateLimit-Limit", "5"), ("X-RateLimit-Remaining", "0"),
                                                                 ("X-RateLimit-Reset", "1001.5"), ("X-RateLimit-Reset-After", "1.5")]), finalURL: "x")
        #expect(ServiceAnswer.rateHint(r, now: 1_000) == RateHint(limit: 5, remaining: 0, resetAfter: 1.5))
        let epoch = HTTPResponse(status: 200, headers: HTTPHeaders([("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "1764072003")]), finalURL: "x")
        #expect(ServiceAnswer.rateHint(epoch, now: 1_764_072_000) == RateHint(remaining: 0, resetAfter: 3))
        let mm = HTTPResponse(status: 200, headers: HTTPHeaders([("X-Ratelimit-Remaining", "0"), ("X-Ratelimit-Reset", "2")]), finalURL: "x")
        #expect(ServiceAnswer.rateHint(mm, now: 1_764_072_000) == RateHint(remaining: 0, resetAfter: 2))
        #expect(ServiceAnswer.rateHint(HTTPResponse(status: 200, finalURL: "x"), now: 0) == nil)
    }

    @Test func retryAfterDatesCountFromTheAnswersDate() {
        // The server's clock is 100 s behind ours: its Retry-After date means "30 s from my Date".
        let r = HTTPResponse(status: 429, headers: HTTPHeaders([("Retry-After", Timestamp(seconds: 930).httpDate),
                                                                ("Date", Timestamp(seconds: 900).httpDate)]), finalURL: "x")
        #expect(ServiceAnswer.retryAfter(r, json: nil, now: 1_000) == 30)
    }
}

@Suite struct SignatureTests {
    /// The Standard Webhooks reference test vector (standard-webhooks libraries' tests).
    @Test func standardWebhooksTestVector() throws {
        let key = try #require(Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let sig = StandardWebhooks.signature(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                             body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(sig == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(StandardWebhooks.verify(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                        body: Array(#"{"test": 2432232314}"#.utf8), header: "v1,bogus " + sig))
        #expect(!StandardWebhooks.verify(key: key, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265331",
                                         body: Array(#"{"test": 2432232314}"#.utf8), header: sig))
    }

    /// GitHub's documented example: secret "It's a Secret to Everybody", payload "Hello, World!".
    @Test func hubSignatureGitHubExample() {
        #expect(StandardWebhooks.hubSignature(key: Array("It's a Secret to Everybody".utf8), body: Array("Hello, World!".utf8))
                == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
    }

    @Test func endpointKeysFromSecrets() throws {
        var n = NotifierConfig(name: "w", type: .webhook, url: Secret(.inline("https://h.example/x")))
        n.secret = Secret(.inline("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let e = try NotifierEndpoint(config: n)
        #expect(e.signingKey == Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(e.hubKey == Array("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".utf8))
        n.secret = Secret(.inline("plain-secret"))
        #expect(try NotifierEndpoint(config: n).signingKey == Array("plain-secret".utf8))
        n.secret = Secret(.environment("FEEDWIRE_TEST_UNSET_SECRET_X"))
        #expect(throws: NotifierEndpoint.Invalid.self) { try NotifierEndpoint(config: n, environment: [:]) }
        #expect(!e.description.contains("/x"))
    }

    @Test func base64RoundTrips() {
        var rng = SplitMix64(seed: 3)
        for n in 0..<64 {
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("not base64!") == nil)
    }
}
