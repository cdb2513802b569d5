extension FeedState {
    /// What the scheduler should remember about this feed after a restart:
    /// when it was last polled (so a restart does not re-poll everything at
    /// once), its failure streak, a stored permanent redirect and a 410.
    public var pollState: FeedPollState {
        var s = FeedPollState()
        s.lastAttempt = lastFetch.map { Double($0.seconds) }
        s.lastFinished = s.lastAttempt
        s.lastSuccess = lastSuccess.map { Double($0.seconds) }
        s.consecutiveFailures = consecutiveErrors
        s.publishing = publishingStats
        s.lastStatus = lastStatus
        s.lastError = lastError
        s.nextDue = nextDue.map { Double($0.seconds) }
        if let outcome = lastOutcome {
            switch outcome {
            case .updated, .unchanged: s.lastOutcome = .changed
            case .notModified: s.lastOutcome = .notModified
            case .gone: s.lastOutcome = .gone
            case .httpError, .networkError, .parseError: s.lastOutcome = .failed
            }
        }
        if url != configuredURL {
            s.movedFrom = configuredURL
            s.movedTo = url
        }
        if disabled { s.goneURL = url }
        return s
    }
}
