import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The current journal file and the records not yet sealed. Touched only on the outbox's serial
/// queue, which is what makes the `@unchecked Sendable` safe.
final class OutboxJournalState: @unchecked Sendable {
    var journal: SegmentJournal
    var generation: Int64
    /// Records committed and not yet sealed, in order.
    var pending: [SegmentJournal.Entry]

    /// Opens the current journal named in `db`'s meta, and removes the files of other generations
    /// (older ones are wholly sealed; a newer one is an empty leftover of an interrupted rotation).
    init(base: String, database: DatabaseQueue) throws {
        let (generation, consumed) = try database.read { db in
            (
                max(1, try OutboxSchema.meta(db, OutboxSchema.Key.journalGeneration)),
                try OutboxSchema.meta(db, OutboxSchema.Key.journalConsumed)
            )
        }
        self.generation = generation
        journal = try SegmentJournal(path: Self.path(base, generation))
        pending = journal.entries().filter { $0.offset >= consumed }
        Self.removeOtherGenerations(base: base, keeping: generation)
    }

    static func path(_ base: String, _ generation: Int64) -> String { "\(base).journal.\(generation)" }

    /// The unsealed records of the outbox at `base`, read without changing anything.
    static func pending(base: String, db: Database) throws -> [SegmentJournal.Entry] {
        let generation = max(1, try OutboxSchema.meta(db, OutboxSchema.Key.journalGeneration))
        let consumed = try OutboxSchema.meta(db, OutboxSchema.Key.journalConsumed)
        return SegmentJournal.entries(atPath: path(base, generation)).filter { $0.offset >= consumed }
    }

    /// Starts a new, empty journal once every record is sealed and the file has grown: the new
    /// file first, then the database's pointer to it, then the old file goes.
    func rotateIfDrained(base: String, database: DatabaseQueue, threshold: Int64 = 1 << 20) throws {
        guard pending.isEmpty, journal.end >= threshold else { return }
        let next = generation + 1
        let fresh = try SegmentJournal(path: Self.path(base, next))
        try fresh.reset()
        try database.write { db in
            try OutboxSchema.set(db, OutboxSchema.Key.journalGeneration, next)
            try OutboxSchema.set(db, OutboxSchema.Key.journalConsumed, 0)
        }
        let old = Self.path(base, generation)
        journal = fresh
        generation = next
        unlink(old)
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
