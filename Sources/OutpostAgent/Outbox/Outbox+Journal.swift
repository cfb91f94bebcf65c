import GRDB

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

extension Outbox {
    /// Moves every journal batch into the database: its frame built and stored, and
    /// `journal_migrated_through` raised, in `db`'s transaction. The caller forgets them from the
    /// journal state once that transaction committed (`forgetMigrated`). On the outbox's queue.
    func migrateJournalBatches(_ db: Database) throws -> Int {
        let state = journalState
        for batch in state.batches {
            try db.execute(
                sql:
                    "INSERT OR IGNORE INTO batches (sequence, created_at, readings, oldest, frame) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    Int64(batch.sequence), batch.createdAt, batch.readings, batch.oldest, Data(try frame(of: batch)),
                ])
        }
        let through = Int64(state.nextSequence) - 1
        try OutboxSchema.set(db, OutboxSchema.Key.nextSequence, Int64(state.nextSequence))
        try OutboxSchema.set(
            db, OutboxSchema.Key.journalMigratedThrough,
            max(through, try OutboxSchema.meta(db, OutboxSchema.Key.journalMigratedThrough)))
        return state.batches.count
    }

    /// After the transaction of `migrateJournalBatches` committed.
    func forgetMigrated(_ count: Int) {
        let state = journalState
        state.databaseBatches += count
        state.batches.removeAll()
        state.frames.removeAll()
    }

    /// Moves the journal batches into the database now (the quota policy acts on the database).
    func migrateJournalBatches() throws {
        guard !journalState.batches.isEmpty else { return }
        let moved = try database.write { db in try migrateJournalBatches(db) }
        forgetMigrated(moved)
    }

    /// Starts a new, empty journal once every committed record is sealed and the file has grown
    /// past `journalRotationBytes`: the new file first; then, in one transaction, the journal
    /// batches still unacknowledged move into the database and the meta points to the new file;
    /// then the old file goes. A crash in between leaves the old file current and the new one
    /// removed at the next start. On the outbox's queue.
    func rotateIfDrained() throws {
        let state = journalState
        guard state.pending.isEmpty, state.journal.end >= settings.journalRotationBytes else { return }
        let next = state.generation + 1
        let fresh = try SegmentJournal(path: OutboxJournalState.path(settings.path, next))
        try fresh.reset()
        fresh.reserve(settings.journalRotationBytes)
        let moved = try database.write { db in
            let moved = try migrateJournalBatches(db)
            try OutboxSchema.set(db, OutboxSchema.Key.journalGeneration, next)
            try OutboxSchema.set(db, OutboxSchema.Key.journalConsumed, 0)
            return moved
        }
        forgetMigrated(moved)
        let old = OutboxJournalState.path(settings.path, state.generation)
        state.journal = fresh
        state.generation = next
        unlink(old)
    }
}
