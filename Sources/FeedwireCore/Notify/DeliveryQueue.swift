/// Where an outbox row stands.
public enum OutboxState: String, Sendable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// The service accepted it (or it was folded into a digest or superseded).
    case delivered
    /// Given up after the retry schedule, or its target is gone; kept for `outbox list` and `outbox retry`.
    case dead
}

/// One notification waiting for, or done with, delivery to one target.
///
/// Rows are written by the store in the same transaction as the event that
/// caused them, so an event is never stored without its notifications or
/// the other way round. Delivery is at-least-once: a row is marked delivered
/// only after the service answered, so a message in flight when the process
/// died is sent again after restart, with the same `idempotencyKey`.
public struct OutboxMessage: Sendable, Equatable {
    public var id: Int64
    /// Notifier name (`[[notify]] name`).
    public var target: String
    public var event: ChangeEvent
    /// The story as it is now (for `updated`, the new text), when the event is about an item.
    public var entry: StoryEntry?
    public var state: OutboxState
    /// Attempts made so far.
    public var attempts: Int
    /// Not to be attempted before this time.
    public var notBefore: Timestamp
    public var createdAt: Timestamp
    /// Stable per (item revision, target): `fw-<itemID>-<revision>-<target>`
    /// for item events, `fw-e<eventID>-<target>` otherwise. Sent as the
    /// Standard Webhooks `webhook-id` and as the Matrix `txnId`.
    public var idempotencyKey: String
    public var lastError: String?
    /// The key of the request this row last went out in (its own key, or a
    /// digest's), recorded before sending and kept until the row is done.
    /// Set on a pending row, it means "sent, answer not recorded": the planner
    /// sends exactly that message again (see `DeliveryPlanner.replay`).
    public var sentKey: String?

    public init(id: Int64, target: String, event: ChangeEvent, entry: StoryEntry?, state: OutboxState = .pending,
                attempts: Int = 0, notBefore: Timestamp, createdAt: Timestamp, idempotencyKey: String, lastError: String? = nil,
                sentKey: String? = nil) {
        self.id = id
        self.target = target
        self.event = event
        self.entry = entry
        self.state = state
        self.attempts = attempts
        self.notBefore = notBefore
        self.createdAt = createdAt
        self.idempotencyKey = idempotencyKey
        self.lastError = lastError
        self.sentKey = sentKey
    }

    /// The idempotency key for an event and target (see `idempotencyKey`).
    public static func idempotencyKey(event: ChangeEvent, target: String) -> String {
        if let item = event.itemID, let revision = event.revision, event.kind == .new || event.kind == .updated {
            return "fw-\(item)-\(revision)-\(target)"
        }
        return "fw-e\(event.id)-\(target)"
    }
}

/// A message a service returned, kept so that a later update of the same
/// story can edit it in place or reply in its thread.
public struct RemoteMessage: Sendable, Equatable {
    /// Discord message id, Telegram `message_id`, Matrix `event_id`, Slack/Google Chat thread name …
    public var id: String
    /// Thread or conversation key where the service has one.
    public var thread: String?

    public init(id: String, thread: String? = nil) {
        self.id = id
        self.thread = thread
    }
}

/// The store's outbox as the delivery worker sees it. All methods are
/// synchronous and may be called from the delivery queue; the SQLite store
/// serialises them with its other writes.
public protocol DeliveryQueue: AnyObject, Sendable {
    /// Pending messages for `target` with `notBefore <= now`, oldest first (by id).
    func dueMessages(target: String, now: Timestamp, limit: Int) throws -> [OutboxMessage]

    /// Pending messages per target (targets with none are absent).
    func pendingCounts() throws -> [String: Int]

    /// The earliest `notBefore` among `target`'s pending messages.
    func nextDue(target: String) throws -> Timestamp?

    /// The service accepted these (one message, or a digest of several).
    /// `remote` is what the service returned for the story of each message,
    /// stored per (target, story) for later edits.
    func markDelivered(_ ids: [Int64], at: Timestamp, remote: RemoteMessage?) throws

    /// These rows are about to go out as one request under `key`. Called (and
    /// durable) before the request is sent, so that after a crash the same
    /// message is sent again under the same key (at-least-once, with an
    /// idempotency key the receiver can drop a replay by).
    func markSending(_ ids: [Int64], key: String) throws

    /// An attempt failed; try again not before `notBefore`.
    func markRetry(_ id: Int64, attempts: Int, notBefore: Timestamp, error: String) throws

    /// Give up on these (schedule exhausted, target gone, permanent rejection).
    func markDead(_ ids: [Int64], at: Timestamp, error: String) throws

    /// The message that announced `storyID` to `target`, if one was recorded.
    func remoteMessage(target: String, storyID: Int64) throws -> RemoteMessage?

    /// Why a target is disabled, when it is (a 410, Discord's Unknown Webhook …).
    func disabledReason(target: String) throws -> String?

    /// Disables a target: nothing more is sent to it until `enableTarget`.
    func disableTarget(_ target: String, reason: String, at: Timestamp) throws

    func enableTarget(_ target: String) throws

    /// For `feedwire outbox list`: rows in the given states, newest first.
    func listMessages(target: String?, states: [OutboxState], limit: Int) throws -> [OutboxMessage]

    /// For `feedwire outbox retry`: dead (or pending) rows become pending now. Returns how many.
    func requeue(target: String?, ids: [Int64]?, now: Timestamp) throws -> Int

    /// For `feedwire outbox drop`: rows become dead with reason "dropped by operator". Returns how many.
    func drop(target: String?, ids: [Int64]?, at: Timestamp) throws -> Int
}
