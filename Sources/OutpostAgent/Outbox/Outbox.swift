import Dispatch
import GRDB
import Logging
import OutpostWire
import Synchronization

/// The agent's durable buffer: readings are committed here before anyone is told they were
/// taken, sealed into signed batches with sequence numbers that are never reused, and deleted
/// only when the hub acknowledged them, or when the configured quota policy evicted them (and
/// that is counted).
///
/// An append-only journal of records beside one SQLite file in WAL mode (through GRDB). While
/// the link is up, commits, seals and acknowledgements are journal records, one sync per commit
/// (flash wear); the database holds the series catalogue, the counters and the backlog of a link
/// that is down. Every change is one synced record or one transaction, so a crash or a power cut
/// leaves either the state before or the state after it. All calls are safe from any task: they
/// run on the outbox's serial queue, off the Swift concurrency pool.
package final class Outbox: Sendable {
    /// What the outbox needs to know.
    package struct Settings: Sendable {
        /// The database file.
        package var path: String
        /// The gateway id written into every frame.
        package var gatewayID: String
        /// Bytes the outbox may hold.
        package var quota: Int64
        /// What happens at the quota.
        package var policy: AgentConfiguration.Buffer.Policy
        /// A wholly sealed journal larger than this is replaced by a new, empty file.
        package var journalRotationBytes: Int64
        /// Creates settings.
        package init(
            path: String, gatewayID: String, quota: Int64, policy: AgentConfiguration.Buffer.Policy,
            journalRotationBytes: Int64 = 1 << 20
        ) {
            self.path = path
            self.gatewayID = gatewayID
            self.quota = quota
            self.policy = policy
            self.journalRotationBytes = journalRotationBytes
        }
    }

    /// One sealed batch, ready to publish.
    package struct StoredBatch: Sendable, Hashable {
        /// Its sequence number.
        package var sequence: UInt64
        /// Readings in it.
        package var readings: Int
        /// The signed frame.
        package var frame: [UInt8]
    }

    let database: DatabaseQueue
    private let currentSettings: Mutex<Settings>
    /// The settings now (a remote configuration may change the quota and its policy).
    var settings: Settings { currentSettings.withLock { $0 } }
    /// Series name → row id and resolution, as stored in the `series` table.
    let seriesIDs: Mutex<[String: (Int64, Resolution?)]>
    /// The `series` table by row id, kept here so that sealing and sending never read it.
    let catalogue: Mutex<[Int64: SeriesDescriptor]>
    /// The journal of committed, unsealed records; used only on `queue`.
    let journalState: OutboxJournalState
    /// Serialises the journal and the sealing.
    let queue = DispatchQueue(label: "outpost.outbox")
    let signer: any FrameSigner
    let logger: Logger
    /// Batches handed to the broker in this run and not yet acknowledged. The quota policy
    /// leaves them alone: the broker may still deliver them (libmosquitto keeps a QoS 1 message
    /// across a reconnect), and the hub would then hold readings counted as dropped, or discard
    /// a degraded copy as a duplicate of what it already applied.
    let published = Mutex<Set<UInt64>>([])

    /// Opens (or creates) the outbox; checks its integrity first and salvages a damaged file
    /// into a new one, keeping the damaged file aside, rather than refusing to start.
    package init(_ settings: Settings, signer: some FrameSigner, logger: Logger) throws {
        currentSettings = Mutex(settings)
        self.signer = signer
        self.logger = logger
        database = try OutboxRecovery.open(path: settings.path, logger: logger)
        let stored = try database.read { db in try OutboxSchema.series(db) }
        seriesIDs = Mutex(Dictionary(stored.map { ($1.name, ($0, $1.resolution)) }) { first, _ in first })
        catalogue = Mutex(stored)
        journalState = try OutboxJournalState(base: settings.path, database: database)
        journalState.journal.reserve(settings.journalRotationBytes)
    }

    /// Changes the quota and its policy; the next commit acts on them.
    package func setLimits(quota: Int64, policy: AgentConfiguration.Buffer.Policy) {
        currentSettings.withLock { ($0.quota, $0.policy) = (quota, policy) }
    }

    /// Commits `samples` (described by `catalog`), taken at `clock`, as one journal record,
    /// synced to storage before this returns. Returns the number refused because the outbox is
    /// full under the `pause_sources` policy.
    @discardableResult
    package func append(_ samples: [SourceSample], catalog: SeriesCatalog, clock: ClockReading) async throws -> Int {
        guard !samples.isEmpty else { return 0 }
        return try await onQueue { [self] in
            let before = journalState.snapshot()
            do {
                let refused = try appendNow(samples, catalog: catalog, clock: clock)
                try journalState.journal.sync()
                return refused
            } catch {
                journalState.restore(before)
                throw error
            }
        }
    }

    /// What `commit` did.
    package struct CommitResult: Sendable {
        /// Readings refused because the outbox is full under `pause_sources`.
        package var refused: Int
        /// Sequence numbers of the batches sealed.
        package var sealed: [UInt64]
        /// Why sealing failed, if it did; the committed readings wait for the next commit.
        package var sealingError: (any Error)?
    }

    /// `append` and `seal` with one sync of storage for both, which is what a gateway does each
    /// commit interval: the commit's record and any batch records are written, then synced once.
    /// Throws only when the readings were not committed (then nothing of this call is kept).
    package func commit(
        _ samples: [SourceSample], catalog: SeriesCatalog, clock: ClockReading, maxReadings: Int, maxAge: Duration,
        force: Bool = false, budget: (any SealingBudget)? = nil
    ) async throws -> CommitResult {
        var result = try await onQueue { [self] in
            let before = journalState.snapshot()
            do {
                var result = CommitResult(refused: 0, sealed: [], sealingError: nil)
                if !samples.isEmpty { result.refused = try appendNow(samples, catalog: catalog, clock: clock) }
                let committed = journalState.snapshot()
                do {
                    result.sealed = try sealDue(
                        maxReadings: maxReadings, maxAge: maxAge, clock: clock, force: force, budget: budget)
                } catch {
                    // The readings stand; the batch records written so far are written over.
                    journalState.restore(committed)
                    result.sealingError = error
                }
                if journalState.journal.end > before.end { try journalState.journal.sync() }
                return result
            } catch {
                journalState.restore(before)
                throw error
            }
        }
        if !result.sealed.isEmpty {
            do { try await afterSealing() } catch { result.sealingError = error }
        }
        return result
    }

    /// Seals committed records into batches when there are `maxReadings` of them or the oldest
    /// is older than `maxAge` (or always, when `force`); then applies the quota policy. Returns
    /// the sequence numbers sealed.
    @discardableResult
    package func seal(
        maxReadings: Int, maxAge: Duration, clock: ClockReading, force: Bool = false,
        budget: (any SealingBudget)? = nil
    ) async throws -> [UInt64] {
        let sealed = try await onQueue { [self] in
            let before = journalState.snapshot()
            do {
                let sealed = try sealDue(
                    maxReadings: maxReadings, maxAge: maxAge, clock: clock, force: force, budget: budget)
                if !sealed.isEmpty { try journalState.journal.sync() }
                return sealed
            } catch {
                journalState.restore(before)
                throw error
            }
        }
        if !sealed.isEmpty { try await afterSealing() }
        return sealed
    }

    /// After batches were sealed: the journal may be replaced, and the quota is checked (stored
    /// bytes grow only by sealing; unsealed records are never evicted).
    private func afterSealing() async throws {
        try await onQueue { [self] in try rotateIfDrained() }
        try await enforceQuota()
    }

    /// Runs `body` on the outbox's serial queue (journal file I/O and the database's blocking
    /// calls), off the Swift concurrency pool.
    func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let result: Result<T, any Error> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result { try body() }) }
        }
        return try result.get()
    }

    private func appendNow(_ samples: [SourceSample], catalog: SeriesCatalog, clock: ClockReading) throws -> Int {
        let state = journalState
        if settings.policy == .pauseSources {
            let stored = try database.read { db in try Self.batchBytes(db) } + state.bytes
            if stored >= settings.quota {
                try database.write { db in
                    try OutboxSchema.add(db, OutboxSchema.Key.refusedReadings, Int64(samples.count))
                }
                return samples.count
            }
        }
        var known = seriesIDs.withLock { $0 }
        let missing = Set(samples.map(\.series)).filter { known[$0] == nil }
        if !missing.isEmpty {
            let (added, stored) = try database.write { db in
                let added = try missing.sorted().map { name in
                    let descriptor = catalog.descriptor(of: name)
                    return (name, (try OutboxSchema.seriesID(db, descriptor), descriptor.resolution))
                }
                return (added, try OutboxSchema.series(db))
            }
            catalogue.withLock { $0 = stored }
            for (name, entry) in added { known[name] = entry }
            seriesIDs.withLock { $0.merge(added) { _, new in new } }
        }
        var readings: [Segment.Reading] = []
        var resolutions: [Int64: Resolution] = [:]
        readings.reserveCapacity(samples.count)
        for sample in samples {
            guard let (id, resolution) = known[sample.series] else { continue }
            if let resolution { resolutions[id] = resolution }
            readings.append(Segment.Reading(series: id, sample: sample.sample))
        }
        let entry = try state.journal.append(
            segment: Segment.encode(readings, resolutions: resolutions, clock: clock), createdAt: clock.wall,
            oldest: samples.map(\.sample.timestamp).min() ?? clock.wall, readings: readings.count, sync: false)
        state.pending.append(entry)
        return 0
    }

    /// Up to `limit` unacknowledged batches, oldest first, leaving out `excluding` and those
    /// `admit` (given each one's kind and frame size) holds back: the database's backlog first,
    /// then the batches sealed in the journal since. Frames are read only for those taken.
    /// `claiming` marks those returned as handed to the broker, on the outbox's queue, so the
    /// quota policy cannot evict one between this read and its publication (`release` undoes it).
    package func unsent(
        limit: Int, excluding: Set<UInt64> = [], claiming: Bool = false,
        admit: @escaping @Sendable (FrameKind, Int) -> Bool = { _, _ in true }
    ) async throws -> [StoredBatch] {
        try await onQueue { [self] in
            var batches: [StoredBatch] = []
            if journalState.databaseBatches > 0 {
                try database.read { db in
                    let rows = try Row.fetchCursor(
                        db,
                        sql:
                            "SELECT sequence, readings, length(frame), substr(frame, 6, 1) FROM batches ORDER BY sequence"
                    )
                    var taken: [(Int64, Int)] = []
                    while taken.count < limit, let row = try rows.next() {
                        let sequence: Int64 = row[0]
                        let flags = (row[3] as Data?)?.first ?? 0
                        guard !excluding.contains(UInt64(sequence)),
                            admit(FrameKind(rawValue: flags) ?? .readings, row[2])
                        else { continue }
                        taken.append((sequence, row[1]))
                    }
                    for (sequence, readings) in taken {
                        let frame =
                            try Data.fetchOne(
                                db, sql: "SELECT frame FROM batches WHERE sequence = ?", arguments: [sequence])
                            ?? Data()
                        batches.append(StoredBatch(sequence: UInt64(sequence), readings: readings, frame: Array(frame)))
                    }
                }
            }
            for batch in journalState.batches
            where batches.count < limit && !excluding.contains(batch.sequence) && admit(batch.kind, batch.frameBytes) {
                batches.append(
                    StoredBatch(sequence: batch.sequence, readings: batch.readings, frame: try frame(of: batch)))
            }
            if claiming { published.withLock { $0.formUnion(batches.map(\.sequence)) } }
            return batches
        }
    }

    /// Batches claimed by `unsent(claiming:)` that were not published after all: the quota
    /// policy may act on them again.
    package func release(_ sequences: some Sequence<UInt64>) {
        published.withLock { $0.subtract(sequences) }
    }

    /// Forgets the batches the hub acknowledged. Returns how many existed. A journal batch gets
    /// an `A` record that reaches storage with the next commit's sync: if power fails first, the
    /// batch is sent again and the hub, which has it, acknowledges it again.
    @discardableResult
    package func acknowledge(_ sequences: [UInt64]) async throws -> Int {
        guard !sequences.isEmpty else { return 0 }
        published.withLock { $0.subtract(sequences) }
        return try await onQueue { [self] in
            let state = journalState
            let wanted = Set(sequences)
            let inJournal = state.batches.map(\.sequence).filter { wanted.contains($0) }
            if !inJournal.isEmpty {
                _ = try state.journal.append(
                    body: JournalBatch.acknowledgementBody(inJournal), createdAt: 0, oldest: 0, readings: 0, sync: false
                )
                let done = Set(inJournal)
                state.batches.removeAll { done.contains($0.sequence) }
                for sequence in inJournal { state.frames[sequence] = nil }
            }
            let rest = sequences.filter { !inJournal.contains($0) }
            guard !rest.isEmpty, state.databaseBatches > 0 else { return inJournal.count }
            let deleted = try database.write { db in
                var deleted = 0
                for sequence in rest {
                    try db.execute(sql: "DELETE FROM batches WHERE sequence = ?", arguments: [Int64(sequence)])
                    deleted += db.changesCount
                }
                return deleted
            }
            state.databaseBatches -= deleted
            return inJournal.count + deleted
        }
    }

    /// The outbox's state, for status and tests. Answers even in a cancelled task (the last
    /// status of a stopping agent), which GRDB's async reads refuse.
    package func statistics() async throws -> OutboxStatistics {
        try await onQueue { [self] in
            let contents = OutboxJournalState.Contents(
                pending: journalState.pending, batches: journalState.batches, nextSequence: journalState.nextSequence)
            return try database.read { db in try OutboxStatistics(db, journal: contents) }
        }
    }

    static func batchBytes(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(LENGTH(frame)), 0) FROM batches") ?? 0
    }
}

/// How series are described in frames: unit, kind and resolution by series name.
package struct SeriesCatalog: Sendable {
    private var descriptors: [String: SeriesDescriptor] = [:]

    /// Creates an empty catalog: undeclared series are gauges without unit or resolution.
    package init() {}

    /// Describes `series`.
    package mutating func describe(_ series: String, unit: String, kind: SeriesKind, resolution: Resolution?) {
        descriptors[series] = SeriesDescriptor(id: 0, name: series, unit: unit, kind: kind, resolution: resolution)
    }

    /// The description of `series`.
    package func descriptor(of series: String) -> SeriesDescriptor {
        descriptors[series] ?? SeriesDescriptor(id: 0, name: series)
    }
}

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
