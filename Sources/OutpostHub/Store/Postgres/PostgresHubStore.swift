import Logging
import NIOCore
import OutpostWire
import PostgresNIO
import Synchronization

/// The store on PostgreSQL, for fleets that outgrow one server: several hub replicas share one
/// database. Every guarantee of the embedded store holds across replicas because the database
/// enforces it: (gateway, sequence) is a primary key, so of two replicas handed the same batch
/// one applies it and the other finds it applied; a transaction that lost a conflict runs again.
/// Each commit is durable (`synchronous_commit` as the server has it, on by default) before any
/// acknowledgement.
package final class PostgresHubStore: HubStore {
    let link: PostgresLink
    /// Where it connects.
    package var settings: PostgresSettings { link.settings }
    /// Series ids this process learned (ids never change; declarations are rewritten when they do).
    let seriesCache = Mutex<[SeriesKey: CachedSeries]>([:])

    struct CachedSeries: Hashable, Sendable {
        var id: Int64
        var unit: String
        var kind: SeriesKind
        var resolution: Resolution?
    }

    private init(link: PostgresLink) {
        self.link = link
    }

    /// Connects, migrates and prepares the time partitions around `now`.
    package static func open(settings: PostgresSettings, logger: Logger, now: Int64 = systemWallClock())
        async throws -> PostgresHubStore
    {
        let link = try PostgresLink(settings: settings, logger: logger)
        do {
            try await link.probe()
            try await PostgresSchema.migrate(link)
            try await PostgresPartitions.prepare(around: now, link)
        } catch {
            await link.close()
            throw error
        }
        return PostgresHubStore(link: link)
    }

    package func close() async { await link.close() }

    package func apply(_ frames: [ReceivedFrame]) async throws -> [ApplyResult] {
        // What the transaction learned of series ids is kept only once it committed.
        let (results, learned) = try await link.transaction { session in
            var learned: [SeriesKey: CachedSeries] = [:]
            let results = try await self.apply(frames, learned: &learned, session)
            return (results, learned)
        }
        remember(learned)
        return results
    }

    /// A group of frames in one transaction and a few statements, whatever its size: the claims
    /// on (gateway, sequence) first, all at once (a replica applying the same batch waits there
    /// for the other's commit, then finds it taken); then each claimed frame in order, as the
    /// embedded store does one by one; then every table written once for the whole group.
    private func apply(
        _ frames: [ReceivedFrame], learned: inout [SeriesKey: CachedSeries], _ session: PostgresSession
    ) async throws -> [ApplyResult] {
        var results = [ApplyResult](repeating: .duplicate, count: frames.count)
        var first: [String: Int] = [:]
        for (index, received) in frames.enumerated() where first[Self.batchKey(received.frame)] == nil {
            first[Self.batchKey(received.frame)] = index
        }
        let candidates = first.values.sorted()
        let claimedRows = try await session.query(
            """
            INSERT INTO applied_batches (gateway, sequence, applied_at)
            SELECT * FROM unnest(\(candidates.map { frames[$0].frame.gatewayID })::text[],
                \(candidates.map { Int64(bitPattern: frames[$0].frame.sequence) })::bigint[],
                \(candidates.map { frames[$0].hubTime })::bigint[])
            ON CONFLICT DO NOTHING RETURNING gateway, sequence
            """)
        let claimed = Set(
            try claimedRows.map { row in
                let (gateway, sequence) = try row.decode((String, Int64).self)
                return "\(gateway)\u{0}\(UInt64(bitPattern: sequence))"
            })
        let applying = candidates.filter { claimed.contains(Self.batchKey(frames[$0].frame)) }
        var clocks = try await bootClocks(of: applying.map { frames[$0].frame }, session)
        let known = clocks
        var unclaim: [ReceivedFrame] = []
        var group = GroupWrite()
        for index in applying {
            let received = frames[index]
            let frame = received.frame
            let bootKey = Self.bootKey(frame.gatewayID, frame.bootID)
            let clock = BootClock.learning(from: frame, known: clocks[bootKey], hubTime: received.hubTime)
            do {
                let plan = try IngestPlan(frame: frame, clock: clock.correction(for: frame))
                clocks[bootKey] = clock
                group.gateway(
                    frame.gatewayID, seen: received.hubTime, clockOffset: clock.wallClockOffset(of: frame),
                    clockState: frame.clockState.name)
                group.plans.append((frame.gatewayID, plan))
                results[index] = .applied(plan)
            } catch {
                unclaim.append(received)
                results[index] = .rejection(error)
            }
        }
        if !unclaim.isEmpty {
            try await session.execute(
                """
                DELETE FROM applied_batches a USING unnest(\(unclaim.map(\.frame.gatewayID))::text[],
                    \(unclaim.map { Int64(bitPattern: $0.frame.sequence) })::bigint[]) AS u(gateway, sequence)
                WHERE a.gateway = u.gateway AND a.sequence = u.sequence
                """)
        }
        try await writeBootClocks(clocks.filter { known[$0.key] != $0.value }, session)
        try await write(group, learned: &learned, session)
        return results
    }

    package func importReadings(gateway: String, plan: IngestPlan) async throws {
        let learned = try await link.transaction { session in
            var learned: [SeriesKey: CachedSeries] = [:]
            try await session.execute("INSERT INTO gateways (id) VALUES (\(gateway)) ON CONFLICT DO NOTHING")
            var group = GroupWrite()
            group.plans = [(gateway, plan)]
            try await self.write(group, learned: &learned, session)
            return learned
        }
        remember(learned)
    }

    static func batchKey(_ frame: BatchFrame) -> String { "\(frame.gatewayID)\u{0}\(frame.sequence)" }

    private func remember(_ learned: [SeriesKey: CachedSeries]) {
        guard !learned.isEmpty else { return }
        seriesCache.withLock { $0.merge(learned) { _, new in new } }
    }
}
