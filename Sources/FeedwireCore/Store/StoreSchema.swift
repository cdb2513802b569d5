import FeedwireSQLite

/// The state database schema as append-only migrations. `PRAGMA
/// user_version` records how many have been applied; a database whose
/// version is higher than `migrations.count` was written by a newer Feedwire
/// and is refused (`StoreError.newerSchema`). Never edit a released
/// migration: append a new one.
///
/// Tables (v1):
/// - `meta(key, value)`: `content_version`, bumped whenever anything an
///   output shows changed.
/// - `feeds`: one row per configured feed name — effective and configured
///   URL, validators, last document hash, fetch bookkeeping, baseline time,
///   GUID stability, publishing statistics.
/// - `items`: one row per item ever seen (tombstones: `present = 0`). `id`
///   is AUTOINCREMENT, so ids are never reused (idempotency keys derive from
///   them); `story_id` is the id of the first item of the story. Keys and
///   fingerprints are 64-bit SHA-256 prefixes (`Fingerprint`). Indexes that
///   serve one feed's lookups lead with `feed_id`, so a refresh dirties a
///   few index pages rather than one page per item (random 64-bit keys
///   would scatter them); only `link_key` and `url_guid_key` are global
///   (story lookups across feeds).
/// - `revisions`: one row per revision — what changed and the word diffs
///   (revision 1 of an item never edited has no row: it is the item).
///   Text lives in `items` only (the current revision), which keeps the file
///   small; when a revision is superseded its normalised title, text
///   fingerprint and story text key are filled in (they feed `history`, the
///   flap check and the cross-source check). Only `items.raw_fp` is stored
///   for the current text: normalising happens only when raw text differs.
/// - `events`: every change noticed; `outbox`: one row per (event, target);
///   `remote_messages`: what a service returned per (target, story);
///   `targets`: disabled notification targets.
///
/// v2: two partial indexes over the present items in output order (by
/// published-or-first-seen, by last change). Without them every publish
/// sorted all present items (958 ms for a 200-item output over the bench
/// corpus); with them SQLite walks the newest rows and stops at the limit
/// (18 ms). The expressions match `SQLiteStore.stories` exactly, which is
/// what lets the planner use them.
///
/// v3: `outbox.sent_key`, the key a row last went out under (see
/// `OutboxMessage.sentKey`).
enum StoreSchema {
    static let migrations: [String] = [
        // 1: initial schema
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta(key, value) VALUES ('content_version', 0);

        CREATE TABLE feeds (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            url TEXT NOT NULL DEFAULT '',
            configured_url TEXT NOT NULL DEFAULT '',
            title TEXT,
            link TEXT,
            disabled INTEGER NOT NULL DEFAULT 0,
            disabled_reason TEXT,
            etag TEXT,
            last_modified TEXT,
            doc_hash INTEGER,
            last_fetch INTEGER,
            last_success INTEGER,
            last_outcome TEXT,
            last_status INTEGER,
            last_error TEXT,
            consecutive_errors INTEGER NOT NULL DEFAULT 0,
            next_due INTEGER,
            baseline_at INTEGER,
            guid_unstable INTEGER NOT NULL DEFAULT 0,
            noted INTEGER NOT NULL DEFAULT 0,
            new_items INTEGER NOT NULL DEFAULT 0,
            last_new_at INTEGER,
            mean_gap REAL,
            created_at INTEGER NOT NULL
        );

        CREATE TABLE items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
            story_id INTEGER NOT NULL,
            guid TEXT,
            guid_key INTEGER,
            link TEXT,
            link_key INTEGER,
            link_is_story INTEGER NOT NULL DEFAULT 1,
            url_guid_key INTEGER,
            title_key INTEGER NOT NULL,
            title TEXT NOT NULL,
            title_type INTEGER NOT NULL,
            summary TEXT,
            summary_type INTEGER NOT NULL,
            content TEXT,
            content_type INTEGER NOT NULL,
            published INTEGER,
            updated INTEGER,
            first_seen INTEGER NOT NULL,
            last_changed INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            raw_fp INTEGER NOT NULL,
            extra TEXT,
            date_clamped INTEGER NOT NULL DEFAULT 0,
            present INTEGER NOT NULL DEFAULT 1,
            gone_at INTEGER
        );
        CREATE INDEX items_feed ON items(feed_id, present);
        CREATE INDEX items_guid ON items(feed_id, guid_key) WHERE guid_key IS NOT NULL;
        CREATE INDEX items_title ON items(feed_id, title_key);
        CREATE INDEX items_link ON items(link_key) WHERE link_key IS NOT NULL;
        CREATE INDEX items_url_guid ON items(url_guid_key) WHERE url_guid_key IS NOT NULL;
        CREATE INDEX items_story ON items(story_id);
        CREATE INDEX items_gone ON items(gone_at) WHERE present = 0;

        CREATE TABLE revisions (
            item_id INTEGER NOT NULL REFERENCES items(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            seen_at INTEGER NOT NULL,
            superseded_at INTEGER,
            text_fp INTEGER,
            story_text_key INTEGER,
            fields INTEGER NOT NULL DEFAULT 0,
            title TEXT,
            title_diff TEXT,
            text_diff TEXT,
            guid TEXT,
            link TEXT,
            announced INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (item_id, revision)
        ) WITHOUT ROWID;
        CREATE INDEX revisions_superseded ON revisions(superseded_at) WHERE superseded_at IS NOT NULL;

        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            feed TEXT NOT NULL,
            item_id INTEGER,
            story_id INTEGER,
            revision INTEGER,
            fields INTEGER NOT NULL DEFAULT 0,
            previous_title TEXT,
            title_diff TEXT,
            text_diff TEXT,
            message TEXT,
            from_url TEXT,
            to_url TEXT
        );
        CREATE INDEX events_item ON events(item_id) WHERE item_id IS NOT NULL;
        CREATE INDEX events_at ON events(at);

        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            target TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            not_before INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            last_error TEXT,
            done_at INTEGER
        );
        CREATE INDEX outbox_pending ON outbox(target, id) WHERE state = 'pending';
        CREATE INDEX outbox_event ON outbox(event_id);
        CREATE INDEX outbox_target_state ON outbox(target, state, id);

        CREATE TABLE remote_messages (
            target TEXT NOT NULL,
            story_id INTEGER NOT NULL,
            remote_id TEXT NOT NULL,
            thread TEXT,
            at INTEGER NOT NULL,
            PRIMARY KEY (target, story_id)
        ) WITHOUT ROWID;

        CREATE TABLE targets (
            name TEXT PRIMARY KEY,
            disabled_reason TEXT,
            disabled_at INTEGER
        ) WITHOUT ROWID;
        """,
        // 2: output order indexes
        """
        CREATE INDEX items_published_order ON items(COALESCE(published, first_seen) DESC, id DESC) WHERE present = 1;
        CREATE INDEX items_changed_order ON items(last_changed DESC, id DESC) WHERE present = 1;
        """,
        // 3: the idempotency key a row was last sent under (a digest's, or its
        // own), written before the request goes out: a message in flight when
        // the process died is sent again as it was — the same rows under the
        // same key — instead of regrouped under a new key the receiver cannot
        // recognise as a replay.
        """
        ALTER TABLE outbox ADD COLUMN sent_key TEXT;
        """,
        // 4: whether the feed is in the current configuration. A feed removed
        // from feeds.conf keeps its state (re-adding it resumes), but outputs
        // that select "every feed" stop showing its stories.
        """
        ALTER TABLE feeds ADD COLUMN configured INTEGER NOT NULL DEFAULT 1;
        """,
    ]

    /// The schema version this build writes.
    static var version: Int { migrations.count }

    /// Brings the schema up to date in one transaction per migration, or
    /// refuses a newer database.
    static func migrate(_ db: Database, path: String) throws {
        let found = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if found > version { throw StoreError.newerSchema(path: path, found: found, supported: version) }
        guard found < version else { return }
        for index in found..<version {
            try db.transaction(.exclusive) {
                try db.execute(migrations[index])
                // PRAGMA takes no bound parameters; the value is our own integer.
                try db.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// Checks the version without changing anything (readers).
    static func check(_ db: Database, path: String) throws {
        let found = Int(try db.scalarInt("PRAGMA user_version") ?? 0)
        if found > version { throw StoreError.newerSchema(path: path, found: found, supported: version) }
        if found < version { throw StoreError.olderSchema(path: path, found: found, supported: version) }
    }
}
