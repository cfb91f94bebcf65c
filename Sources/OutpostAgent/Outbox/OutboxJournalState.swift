import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The current journal file and what it holds that the database does not: records committed
/// and not yet sealed (`pending`) and batches sealed and neither acknowledged nor moved into the
/// database (`batches`). Touched only on the outbox's serial queue, which is what makes the
/// `@unchecked Sendable` safe.
///
/// While the link is up a batch lives and dies in the journal: sealed by a `B` record and
/// acknowledged by an `A` record, both carried to storage by a commit's sync. Batches move into
/// the database (their frames built, `journal_migrated_through` raised in the same transaction)
/// when the journal is replaced by a new file, or when the quota policy must act on them.
final class OutboxJournalState: @unchecked Sendable {
    var journal: SegmentJournal
    var generation: Int64
    /// Records committed and not yet sealed, in order.
    var pending: [SegmentJournal.Entry]
    /// Batches sealed in the journal and still unacknowledged, oldest first.
    var batches: [JournalBatch]
    /// The next batch's sequence number.
    var nextSequence: UInt64
    /// Frames of recently sealed journal batches, so the first send need not rebuild them.
    var frames: [UInt64: [UInt8]] = [:]
    /// How many batches the `batches` table holds (kept here so a healthy link never reads it).
    var databaseBatches: Int

    /// What a journal holds beyond the database, read from its records.
    struct Contents {
        var pending: [SegmentJournal.Entry] = []
        var batches: [JournalBatch] = []
        var nextSequence: UInt64 = 1
    }

    /// Opens the current journal named in `db`'s meta, replays it, and removes the files of
    /// other generations (older ones were wholly sealed and moved into the database; a newer one
    /// is an empty leftover of an interrupted rotation).
    init(base: String, database: DatabaseQueue) throws {
        let generation = try database.read { db in
            max(1, try OutboxSchema.meta(db, OutboxSchema.Key.journalGeneration))
        }
        let journal = try SegmentJournal(path: Self.path(base, generation))
        let (contents, databaseBatches) = try database.read { db in
            (
                try Self.replay(journal.entries(), db: db) { try journal.body(of: $0) },
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0
            )
        }
        self.generation = generation
        self.journal = journal
        pending = contents.pending
        batches = contents.batches
        nextSequence = contents.nextSequence
        self.databaseBatches = databaseBatches
        Self.removeOtherGenerations(base: base, keeping: generation)
    }

    static func path(_ base: String, _ generation: Int64) -> String { "\(base).journal.\(generation)" }

    /// What the journal of the outbox at `base` holds, read without changing anything.
    static func contents(base: String, db: Database) throws -> Contents {
        let generation = max(1, try OutboxSchema.meta(db, OutboxSchema.Key.journalGeneration))
        let journal = path(base, generation)
        return try replay(SegmentJournal.entries(atPath: journal), db: db) {
            try SegmentJournal.readBody(atPath: journal, entry: $0)
        }
    }

    /// Replays records in order: segments after the last sealed one are pending; `B` records
    /// make batches of the segments they name, unless the database took them already; `A`
    /// records end batches. A record that cannot be read is skipped (`verify` reports it).
    private static func replay(
        _ entries: [SegmentJournal.Entry], db: Database, body: (SegmentJournal.Entry) throws -> [UInt8]
    ) throws -> Contents {
        let consumed = try OutboxSchema.meta(db, OutboxSchema.Key.journalConsumed)
        let migrated = UInt64(max(0, try OutboxSchema.meta(db, OutboxSchema.Key.journalMigratedThrough)))
        var contents = Contents()
        contents.nextSequence = UInt64(max(1, try OutboxSchema.meta(db, OutboxSchema.Key.nextSequence)))
        var segments: [SegmentJournal.Entry] = []
        var sealedEnd = consumed
        var live: [UInt64: JournalBatch] = [:]
        for entry in entries {
            switch entry.kind {
            case .segment:
                if entry.offset >= consumed { segments.append(entry) }
            case .batch:
                guard let header = try? JournalBatch.Header(body: try body(entry)) else { continue }
                sealedEnd = max(sealedEnd, header.endOffset)
                contents.nextSequence = max(contents.nextSequence, header.sequence + 1)
                guard header.sequence > migrated else { continue }
                live[header.sequence] = JournalBatch(
                    sequence: header.sequence,
                    entries: segments.filter { $0.offset >= header.firstOffset && $0.offset < header.endOffset },
                    createdAt: header.createdAt, createdMonotonic: header.createdMonotonic, bootID: header.bootID,
                    frameBytes: header.frameBytes, kind: header.kind)
            case .acknowledgement:
                guard let sequences = try? JournalBatch.acknowledged(body: try body(entry)) else { continue }
                for sequence in sequences { live[sequence] = nil }
            }
        }
        contents.pending = segments.filter { $0.offset >= sealedEnd }
        contents.batches = live.values.sorted { $0.sequence < $1.sequence }
        return contents
    }

    /// What is undone when records written after it cannot be synced.
    struct Snapshot {
        var end: Int64
        var pending: [SegmentJournal.Entry]
        var batches: [JournalBatch]
        var nextSequence: UInt64
    }

    func snapshot() -> Snapshot {
        Snapshot(end: journal.end, pending: pending, batches: batches, nextSequence: nextSequence)
    }

    /// Back to `snapshot`: the records written since are written over, and their sequence
    /// numbers, never sent, are sealed again.
    func restore(_ snapshot: Snapshot) {
        journal.rewind(to: snapshot.end)
        pending = snapshot.pending
        batches = snapshot.batches
        nextSequence = snapshot.nextSequence
        frames = frames.filter { $0.key < snapshot.nextSequence }
    }

    /// Bytes held in the journal that count against the quota: pending records and the frames
    /// of journal batches.
    var bytes: Int64 {
        pending.reduce(0) { $0 + $1.length } + batches.reduce(0) { $0 + Int64($1.frameBytes) }
    }

    private static func removeOtherGenerations(base: String, keeping generation: Int64) {
        for other in generations(base: base) where other != generation { unlink(path(base, other)) }
    }

    /// The generations of the journal files beside `base`.
    static func generations(base: String) -> [Int64] {
        let folder = base.contains("/") ? String(base[..<(base.lastIndex(of: "/") ?? base.startIndex)]) : "."
        let prefix = String(base.split(separator: "/").last ?? "") + ".journal."
        guard let directory = opendir(folder) else { return [] }
        defer { closedir(directory) }
        var found: [Int64] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix(prefix), let number = Int64(name.dropFirst(prefix.count)) { found.append(number) }
        }
        return found.sorted()
    }
}
