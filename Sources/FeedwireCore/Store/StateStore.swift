/// The pipeline's view of persistent state: feeds, items, revisions, events
/// and the notification outbox. The daemon and the CLI talk to the store
/// only through this protocol (plus `StoryReader` for outputs and
/// `DeliveryQueue` for the notifier), so a second backend can follow.
///
/// **Contract.** Every method is synchronous and may be called from any
/// queue; implementations serialise writes (one writer). `refresh` and
/// `recordFetch` are each one transaction: items, revisions, events and the
/// outbox rows for those events are written together or not at all.
/// Feeds are identified by their configured name; a URL change keeps all state.
///
/// **How the daemon uses it**, per due feed:
/// 1. `feedState(named:)` → current URL (after permanent moves), validators
///    for the conditional GET, `disabled`, `documentHash`, poll statistics.
/// 2. Fetch. Then one of:
///    - 304, or 200 whose bytes hash (`Fingerprint.document`) equals
///      `documentHash`: `recordFetch` with outcome `.notModified` / `.unchanged`;
///    - error / 410 / permanent redirect: `recordFetch` (`.httpError`,
///      `.networkError`, `.parseError`, `.gone`, `movedTo:`), which also
///      writes the health events (`feed_moved`, `feed_disabled`,
///      `feed_failing`, `feed_recovered`) and their outbox rows;
///    - 200 with new bytes: parse, then `refresh` with the document and the
///      fetch record; it loads what reconcile needs, runs the pure
///      `Reconciler`, asks `route` for each event's notifier targets and
///      writes everything in one transaction.
/// 3. Log `RefreshOutcome.notes`; publish if `contentVersion()` moved.
/// In the background, call `pruneBatch` until it reports no more work; each
/// call is one short transaction, so polls are never blocked for long.
///
/// **A PostgreSQL backend** (several daemons sharing one feed list) would
/// implement the same protocol. Work is claimed with leases: a `feeds` row
/// carries `lease_owner`/`lease_until`, and each daemon claims due feeds with
/// `SELECT … FROM feeds WHERE next_due <= now() AND (lease_until IS NULL OR
/// lease_until < now()) ORDER BY next_due LIMIT n FOR UPDATE SKIP LOCKED`
/// followed by an UPDATE setting the lease, in one short transaction; other
/// daemons skip the locked rows instead of waiting. `refresh` then runs in a
/// transaction that re-checks the lease (`WHERE lease_owner = me`) and takes
/// `SELECT … FOR UPDATE` on the feed row, so a daemon whose lease expired
/// cannot write a stale result. The outbox is claimed the same way
/// (`FOR UPDATE SKIP LOCKED` on pending rows, with a lease column) so two
/// senders never deliver one message concurrently; idempotency keys make a
/// retry after a lost lease harmless. Item ids come from a sequence, so they
/// are never reused, as here.
public protocol StateStore: AnyObject, Sendable {
    /// Creates rows for configured feeds not yet known and records each
    /// configured URL. When the configured URL of a feed changed, the
    /// effective URL becomes the new one, validators are cleared and a
    /// disabled feed is enabled again (the operator acted). Feeds no longer
    /// configured keep their state.
    func syncFeeds(_ feeds: [FeedConfig], now: Timestamp) throws

    /// Makes sure a feed row exists (for `ingest` without a configuration).
    func ensureFeed(named name: String, url: String, now: Timestamp) throws

    func feedState(named name: String) throws -> FeedState?

    /// Every known feed, by name.
    func feedStates() throws -> [FeedState]

    /// Reconciles a fetched document (see the type doc). Throws
    /// `StoreError.unknownFeed` for a feed never synced.
    ///
    /// `route` gives the notifier targets of each event (the notifier's pure
    /// router). It runs inside the store's transaction, before item ids are
    /// assigned (the entry's item has id 0 for a new item): it must be quick
    /// and must not call the store.
    func refresh(_ request: RefreshRequest, route: (EventWithItem) -> [String]) throws -> RefreshOutcome

    /// Records a fetch that produced no document to reconcile; returns the
    /// health events written (`route` as for `refresh`).
    @discardableResult
    func recordFetch(feed: String, _ record: FetchRecord, route: (EventWithItem) -> [String]) throws -> [ChangeEvent]

    /// Records when feeds are due next (the scheduler's decisions), all in
    /// one transaction: `feedwire status` shows them and a restart resumes
    /// from them. Names the store does not know are skipped.
    func setNextDue(_ dues: [String: Timestamp?]) throws

    /// One small batch of retention work in its own short transaction.
    func pruneBatch(_ policy: RetentionPolicy, now: Timestamp) throws -> RetentionReport

    /// An item by id.
    func item(id: Int64) throws -> ItemRecord?

    /// Items whose canonical link, URL-shaped GUID or GUID text equals
    /// `reference` (canonicalised first), newest first.
    func items(matching reference: String) throws -> [ItemRecord]

    /// Every stored revision of an item, oldest first.
    func revisions(itemID: Int64) throws -> [RevisionRecord]
}

/// A feed as the store knows it.
public struct FeedState: Sendable, Equatable {
    public var name: String
    /// Effective URL: the configured one, or where a permanent redirect led.
    public var url: String
    public var configuredURL: String
    /// The document's own title and home page.
    public var title: String?
    public var link: String?
    /// Set by a 410 (or by hand); the daemon stops polling.
    public var disabled: Bool
    public var disabledReason: String?
    /// Validators for the conditional GET (RFC 9110 §13.1).
    public var etag: String?
    public var lastModified: String?
    /// `Fingerprint.document` of the last reconciled document: identical bytes
    /// cannot change anything, so they need not be parsed again.
    public var documentHash: Int64?
    public var lastFetch: Timestamp?
    public var lastSuccess: Timestamp?
    public var lastOutcome: FetchRecord.Outcome?
    public var lastStatus: Int?
    public var lastError: String?
    public var consecutiveErrors: Int
    public var nextDue: Timestamp?
    /// When the first document was reconciled (nil: the next is the baseline).
    public var baselineAt: Timestamp?
    /// Items currently in the feed (not tombstones).
    public var itemCount: Int
    /// New items seen since the baseline, when the last one appeared, and the
    /// mean gap between new items (exponentially weighted, seconds): the
    /// feed's publishing rate, for adaptive polling.
    public var newItemCount: Int
    public var lastNewItemAt: Timestamp?
    public var meanNewItemGap: Double?
    /// GUIDs found unstable: identified by link.
    public var guidUnstable: Bool

    public init(name: String, url: String = "", configuredURL: String = "", title: String? = nil, link: String? = nil,
                disabled: Bool = false, disabledReason: String? = nil, etag: String? = nil, lastModified: String? = nil,
                documentHash: Int64? = nil, lastFetch: Timestamp? = nil, lastSuccess: Timestamp? = nil,
                lastOutcome: FetchRecord.Outcome? = nil, lastStatus: Int? = nil, lastError: String? = nil,
                consecutiveErrors: Int = 0, nextDue: Timestamp? = nil, baselineAt: Timestamp? = nil, itemCount: Int = 0,
                newItemCount: Int = 0, lastNewItemAt: Timestamp? = nil, meanNewItemGap: Double? = nil,
                guidUnstable: Bool = false) {
        self.name = name
        self.url = url
        self.configuredURL = configuredURL
        self.title = title
        self.link = link
        self.disabled = disabled
        self.disabledReason = disabledReason
        self.etag = etag
        self.lastModified = lastModified
        self.documentHash = documentHash
        self.lastFetch = lastFetch
        self.lastSuccess = lastSuccess
        self.lastOutcome = lastOutcome
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.consecutiveErrors = consecutiveErrors
        self.nextDue = nextDue
        self.baselineAt = baselineAt
        self.itemCount = itemCount
        self.newItemCount = newItemCount
        self.lastNewItemAt = lastNewItemAt
        self.meanNewItemGap = meanNewItemGap
        self.guidUnstable = guidUnstable
    }
}

/// What happened when a feed was fetched, for the store's bookkeeping.
public struct FetchRecord: Sendable, Equatable {
    /// How a fetch ended (`feedwire status` shows these names).
    public enum Outcome: String, Sendable, CaseIterable {
        /// 200 and the document was reconciled.
        case updated
        /// 200 with exactly the bytes reconciled last time.
        case unchanged
        /// 304 Not Modified.
        case notModified = "not_modified"
        /// An HTTP error status other than 410.
        case httpError = "http_error"
        /// No HTTP answer: DNS, connect, TLS, timeout, body too large, policy refusal.
        case networkError = "network_error"
        /// The body is not a feed.
        case parseError = "parse_error"
        /// 410 Gone: the feed is disabled.
        case gone

        public var isSuccess: Bool { self == .updated || self == .unchanged || self == .notModified }
    }

    public var at: Timestamp
    public var outcome: Outcome
    public var httpStatus: Int?
    /// A sentence for people (what happened), for failures.
    public var error: String?
    /// Validators from the answer; nil keeps the stored ones (a 304 or a failure).
    public var validators: Validators?
    /// Final URL of a permanent redirect (301/308): stored as the feed's URL,
    /// with a `feed_moved` event.
    public var movedTo: String?
    public var nextDue: Timestamp?
    /// After this many consecutive failures a `feed_failing` event is written
    /// (and `feed_recovered` at the next success); 0 disables both.
    public var failingAfter: Int

    public init(at: Timestamp, outcome: Outcome, httpStatus: Int? = nil, error: String? = nil,
                validators: Validators? = nil, movedTo: String? = nil, nextDue: Timestamp? = nil, failingAfter: Int = 3) {
        self.at = at
        self.outcome = outcome
        self.httpStatus = httpStatus
        self.error = error
        self.validators = validators
        self.movedTo = movedTo
        self.nextDue = nextDue
        self.failingAfter = failingAfter
    }
}

/// A fetched (or saved) document to reconcile.
public struct RefreshRequest: Sendable {
    public var feed: String
    public var document: ParsedFeed
    /// `Fingerprint.document(bytes, base:)`, stored so identical bytes can be skipped next time.
    public var documentHash: Int64?
    /// Bookkeeping for the fetch (nil for `feedwire ingest`: no fetch happened).
    public var fetch: FetchRecord?
    public var now: Timestamp
    public var policy: TrackPolicy
    /// Create the feed with this URL if the store does not know it yet, in
    /// the same transaction (`ingest`; the daemon syncs feeds first instead).
    public var createWithURL: String?

    public init(feed: String, document: ParsedFeed, documentHash: Int64? = nil, fetch: FetchRecord? = nil,
                now: Timestamp, policy: TrackPolicy = TrackPolicy(), createWithURL: String? = nil) {
        self.feed = feed
        self.document = document
        self.documentHash = documentHash
        self.fetch = fetch
        self.now = now
        self.policy = policy
        self.createWithURL = createWithURL
    }
}

/// What a refresh did.
public struct RefreshOutcome: Sendable, Equatable {
    /// Events as stored (ids assigned), in order.
    public var events: [ChangeEvent]
    /// Logged by the caller.
    public var notes: [TrackNote]
    public var newItems: Int
    public var edits: Int
    public var vanished: Int
    public var baseline: Bool
    /// Outbox rows written.
    public var outboxRows: Int

    public init(events: [ChangeEvent] = [], notes: [TrackNote] = [], newItems: Int = 0, edits: Int = 0, vanished: Int = 0,
                baseline: Bool = false, outboxRows: Int = 0) {
        self.events = events
        self.notes = notes
        self.newItems = newItems
        self.edits = edits
        self.vanished = vanished
        self.baseline = baseline
        self.outboxRows = outboxRows
    }
}

/// One revision of an item, for `feedwire history`.
public struct RevisionRecord: Sendable, Equatable {
    public var itemID: Int64
    public var revision: Int
    /// When Feedwire first saw this text.
    public var seenAt: Timestamp
    /// When a later revision replaced it (nil: current).
    public var supersededAt: Timestamp?
    /// Normalised title of this revision.
    public var title: String?
    public var changedFields: [ItemField]
    public var titleDiff: TextDiff?
    public var textDiff: TextDiff?
    /// GUID and link when they changed with this revision (drift).
    public var guid: String?
    public var link: String?
    /// False when it was not announced (a copy repeating its story's text).
    public var announced: Bool

    public init(itemID: Int64, revision: Int, seenAt: Timestamp, supersededAt: Timestamp? = nil, title: String? = nil,
                changedFields: [ItemField] = [], titleDiff: TextDiff? = nil, textDiff: TextDiff? = nil,
                guid: String? = nil, link: String? = nil, announced: Bool = true) {
        self.itemID = itemID
        self.revision = revision
        self.seenAt = seenAt
        self.supersededAt = supersededAt
        self.title = title
        self.changedFields = changedFields
        self.titleDiff = titleDiff
        self.textDiff = textDiff
        self.guid = guid
        self.link = link
        self.announced = announced
    }
}

/// Retention settings (`[daemon] keep_revisions`, `keep_items`).
public struct RetentionPolicy: Sendable, Equatable {
    /// Revisions kept per item.
    public var keepRevisions: Int
    /// Tombstones older than this (seconds since they vanished) are deleted,
    /// with their revisions, events and delivered outbox rows; feed-level
    /// events older than this too.
    public var keepItems: Double
    /// Rows handled per batch (one short transaction).
    public var batchSize: Int

    public init(keepRevisions: Int = 20, keepItems: Double = 90 * 86_400, batchSize: Int = 200) {
        self.keepRevisions = keepRevisions
        self.keepItems = keepItems
        self.batchSize = batchSize
    }

    public init(daemon: DaemonSettings, batchSize: Int = 200) {
        self.init(keepRevisions: daemon.keepRevisions, keepItems: daemon.keepItems, batchSize: batchSize)
    }
}

/// What one retention batch did.
public struct RetentionReport: Sendable, Equatable {
    public var itemsDeleted: Int
    public var revisionsDeleted: Int
    public var eventsDeleted: Int
    /// True when the batch was full: call again.
    public var moreWork: Bool

    public init(itemsDeleted: Int = 0, revisionsDeleted: Int = 0, eventsDeleted: Int = 0, moreWork: Bool = false) {
        self.itemsDeleted = itemsDeleted
        self.revisionsDeleted = revisionsDeleted
        self.eventsDeleted = eventsDeleted
        self.moreWork = moreWork
    }
}
