import GRDB
import Logging
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the outbox file, and when it is damaged (a torn write on a failing SD card, a file
/// truncated by hand) keeps it aside and salvages whatever can still be read into a new one.
/// Never a crash loop, never a buffer someone must delete by hand.
enum OutboxRecovery {
    static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "outpost.outbox"
        // `outpost-agent verify` or `status` may be reading while the agent starts; after a power
        // cut the first opener also rebuilds the WAL index. Wait for either rather than fail.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Small pages: a commit of a few hundred readings rewrites one or two pages, not four
            // kilobytes each (flash wear). Only takes effect when the file is created.
            try db.execute(sql: "PRAGMA page_size = 1024")
            // FULL: a transaction that returned is on storage, even across a power cut.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    static func open(path: String, logger: Logger) throws -> DatabaseQueue {
        try checkAccess(path)
        do {
            let queue = try openChecked(path)
            return queue
        } catch let error as DatabaseError where !isDamage(error) {
            // A full disk or a file the agent may not open is not damage: moving the file aside
            // would hide good readings. Say what is wrong; systemd retries, nothing is lost.
            throw OutboxStorageError(path: path, problem: "cannot be opened: \(error.message ?? "\(error)")")
        } catch {
            let aside = "\(path).damaged-\(systemWallClock() / 1_000_000_000)"
            logger.error(
                "outbox damaged: kept aside, salvaging what can be read into a new one",
                metadata: ["outbox.path": "\(path)", "outbox.damaged": "\(aside)", "error": "\(error)"])
            for suffix in ["", "-wal", "-shm"] { rename(path + suffix, aside + suffix) }
            let fresh = try openChecked(path)
            let salvaged = salvage(from: aside, into: fresh, base: path)
            logger.notice(
                "outbox salvaged",
                metadata: [
                    "outbox.salvaged_batches": "\(salvaged.batches)",
                    "outbox.salvaged_segments": "\(salvaged.segments)",
                    "outbox.next_sequence": "\(salvaged.nextSequence)",
                ])
            return fresh
        }
    }

    /// Damage a salvage can help with: a file that is not a database, or one whose pages are
    /// corrupt or unreadable.
    private static func isDamage(_ error: DatabaseError) -> Bool {
        [.SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_IOERR, .SQLITE_ERROR].contains(error.resultCode)
    }

    /// The data folder must take new files and the outbox (with its WAL) must be readable and
    /// writable; otherwise the outbox is not touched and the error says which and why.
    private static func checkAccess(_ path: String) throws(OutboxStorageError) {
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        guard access(folder.isEmpty ? "/" : folder, W_OK | X_OK) == 0 else {
            throw OutboxStorageError(path: folder, problem: "is not writable (\(String(cString: strerror(errno))))")
        }
        for file in [path, path + "-wal", path + "-shm"] where access(file, F_OK) == 0 {
            guard access(file, R_OK | W_OK) == 0 else {
                throw OutboxStorageError(
                    path: file, problem: "cannot be read and written (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Opens, migrates and checks; throws when the file is not a healthy outbox.
    private static func openChecked(_ path: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path, configuration: configuration())
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
        }
        let result = try queue.read { db in try String.fetchOne(db, sql: "PRAGMA quick_check") }
        guard result == "ok" else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: result ?? "quick_check failed")
        }
        try OutboxSchema.migrator.migrate(queue)
        return queue
    }

    /// Copies every readable batch and segment from the damaged file. The next sequence number is
    /// the largest of: the damaged file's counter, one past its largest batch, and the wall clock
    /// in milliseconds when the counter cannot be read, so no sequence number is ever reused.
    ///
    /// The journal of unsealed readings lives beside the database and survives its damage; when
    /// the counter saying which journal file is current cannot be read, the newest file is taken
    /// as wholly unsealed (its readings may then reach the hub twice, under new sequence numbers,
    /// which is the lesser harm than losing them).
    static func salvage(from damaged: String, into fresh: DatabaseQueue, base: String) -> (
        batches: Int, segments: Int, nextSequence: Int64
    ) {
        var batches: [Row] = []
        var series: [Row] = []
        var counters: [String: Int64] = [:]
        var read = false
        var configuration = Configuration()
        configuration.readonly = true
        if let old = try? DatabaseQueue(path: damaged, configuration: configuration) {
            do {
                try old.read { db in
                    collect(db, "SELECT key, value FROM meta") { counters[$0["key"]] = $0["value"] }
                    collect(db, "SELECT * FROM series") { series.append($0) }
                    collect(db, "SELECT * FROM batches ORDER BY sequence") { batches.append($0) }
                    read = true
                }
            } catch {
                read = false  // nothing could be read at all; the new outbox starts empty
            }
        }
        let largest = batches.map { $0["sequence"] as Int64 }.max() ?? 0
        var next = max(counters[OutboxSchema.Key.nextSequence] ?? 0, largest + 1)
        if counters[OutboxSchema.Key.nextSequence] == nil || !read { next = max(next, systemWallClock() / 1_000_000) }
        let chosen = next
        do {
            try fresh.write { db in
                // Segments refer to series by row id: keep the ids.
                for row in series {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO series (id, name, unit, kind, resolution) VALUES (?, ?, ?, ?, ?)",
                        arguments: [row["id"], row["name"], row["unit"], row["kind"], row["resolution"]])
                }
                for row in batches {
                    try db.execute(
                        sql:
                            "INSERT OR IGNORE INTO batches (sequence, created_at, readings, oldest, degraded, frame) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [
                            row["sequence"], row["created_at"], row["readings"], row["oldest"], row["degraded"],
                            row["frame"],
                        ])
                }
                for (key, value) in counters where key != OutboxSchema.Key.nextSequence {
                    try OutboxSchema.set(db, key, value)
                }
                if counters[OutboxSchema.Key.journalGeneration] == nil, let newest = newestJournal(base: base) {
                    try OutboxSchema.set(db, OutboxSchema.Key.journalGeneration, newest)
                    try OutboxSchema.set(db, OutboxSchema.Key.journalConsumed, 0)
                }
                try db.execute(
                    sql: "UPDATE meta SET value = ? WHERE key = ?", arguments: [chosen, OutboxSchema.Key.nextSequence])
            }
        } catch {
            return (0, 0, chosen)
        }
        return (batches.count, 0, chosen)
    }

    /// The highest journal generation with a file beside `base`.
    private static func newestJournal(base: String) -> Int64? {
        OutboxJournalState.generations(base: base).last
    }

    /// Reads rows until the first one that cannot be read; keeps those before it.
    private static func collect(_ db: Database, _ sql: String, _ body: (Row) -> Void) {
        do {
            let rows = try Row.fetchCursor(db, sql: sql)
            while let row = try rows.next() { body(row.copy()) }
        } catch {
            return  // the rest of this table is unreadable
        }
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The outbox's storage cannot be used as it is: a read-only or missing data folder, a file the
/// agent may not open, a full disk. Nothing was moved or deleted.
package struct OutboxStorageError: Error, CustomStringConvertible, Sendable {
    /// The file or folder concerned.
    package let path: String
    /// What is wrong with it.
    package let problem: String

    package var description: String {
        "outbox storage: \(path) \(problem). Nothing was changed. Check that the data folder is mounted "
            + "read-write, belongs to the agent's user and has room; the agent tries again when restarted"
    }
}
