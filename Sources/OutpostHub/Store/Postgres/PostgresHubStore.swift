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
public final class PostgresHubStore: HubStore {
    let link: PostgresLink
    /// Where it connects.
    public var settings: PostgresSettings { link.settings }
    /// Series ids this process learned (ids never change; declarations are rewritten when they do).
    let seriesCache = Mutex<[SeriesKey: CachedSeries]>([:])

    struct CachedSeries: Hashable, Sendable {
        var id: Int64
        var unit: String
        var kind: SeriesKind
        var resolution: Resolution?
    }

    /// Connects, migrates and prepares the time partitions around `now`.
    public init(settings: PostgresSettings, logger: Logger, now: Int64 = systemWallClock()) throws {
        link = PostgresLink(settings: settings, logger: logger)
        try PostgresSchema.migrate(link)
        try PostgresPartitions.prepare(around: now, link)
    }

    public func apply(_ frames: [ReceivedFrame]) throws -> [ApplyResult] {
        var learned: [SeriesKey: CachedSeries] = [:]
        let results = try link.transaction { session in
            learned = [:]
            var clocks: [String: BootClock] = [:]
            return try frames.map { received in try apply(received, clocks: &clocks, learned: &learned, session) }
        }
        remember(learned)
        return results
    }

    private func apply(
        _ received: ReceivedFrame, clocks: inout [String: BootClock], learned: inout [SeriesKey: CachedSeries],
        _ session: PostgresSession
    ) throws -> ApplyResult {
        let frame = received.frame
        let sequence = Int64(bitPattern: frame.sequence)
        // The claim on (gateway, sequence) comes first: a replica applying the same batch waits
        // here for the other's commit, then finds it taken.
        let claimed = try session.execute(
            """
            INSERT INTO applied_batches (gateway, sequence, applied_at) VALUES (\(frame.gatewayID), \(sequence), \(received.hubTime))
            ON CONFLICT DO NOTHING
            """)
        if claimed == 0 { return .duplicate }
        let bootKey = "\(frame.gatewayID)\u{0}\(frame.bootID)"
        let known = try clocks[bootKey] ?? bootClock(gateway: frame.gatewayID, boot: frame.bootID, session)
        let clock = BootClock.learning(from: frame, known: known, hubTime: received.hubTime)
        let plan: IngestPlan
        do {
            plan = try IngestPlan(series: frame.series, chunks: frame.chunks, clock: clock.correction(for: frame))
        } catch {
            try session.execute(
                "DELETE FROM applied_batches WHERE gateway = \(frame.gatewayID) AND sequence = \(sequence)")
            return .rejected(reason: error.description)
        }
        clocks[bootKey] = clock
        if known != clock {
            try session.execute(
                """
                INSERT INTO boot_clocks (gateway, boot, "offset", exact)
                VALUES (\(frame.gatewayID), \(ByteBuffer(bytes: frame.bootID.bytes)), \(clock.offset), \(clock.exact))
                ON CONFLICT (gateway, boot) DO UPDATE SET "offset" = excluded."offset", exact = excluded.exact
                """)
        }
        try session.execute(
            """
            INSERT INTO gateways (id, last_seen, clock_offset, clock_state)
            VALUES (\(frame.gatewayID), \(received.hubTime), \(clock.wallClockOffset(of: frame)), \(frame.clockState.name))
            ON CONFLICT (id) DO UPDATE SET last_seen = greatest(gateways.last_seen, excluded.last_seen),
                clock_offset = excluded.clock_offset, clock_state = excluded.clock_state
            """)
        try write(plan, gateway: frame.gatewayID, learned: &learned, session)
        return .applied(plan)
    }

    public func importReadings(gateway: String, plan: IngestPlan) throws {
        var learned: [SeriesKey: CachedSeries] = [:]
        try link.transaction { session in
            learned = [:]
            try session.execute("INSERT INTO gateways (id) VALUES (\(gateway)) ON CONFLICT DO NOTHING")
            try write(plan, gateway: gateway, learned: &learned, session)
        }
        remember(learned)
    }

    private func remember(_ learned: [SeriesKey: CachedSeries]) {
        guard !learned.isEmpty else { return }
        seriesCache.withLock { $0.merge(learned) { _, new in new } }
    }

    /// Registers the plan's series and writes its chunks, rollups and newest readings, a
    /// statement per table (arrays, not a row per statement), rows in series order so two
    /// replicas writing one gateway lock them in the same order.
    private func write(
        _ plan: IngestPlan, gateway: String, learned: inout [SeriesKey: CachedSeries], _ session: PostgresSession
    ) throws {
        let ids = try registerSeries(plan, gateway: gateway, learned: &learned, session).mapValues(\.id)
        var series: [Int64] = []
        var starts: [Int64] = []
        var ends: [Int64] = []
        var shifts: [Int64] = []
        var records: [ByteBuffer] = []
        var spans: [Int64: Int64] = [:]
        for row in plan.chunks {
            guard let id = ids[row.series] else { continue }
            let chunk = row.stored
            series.append(id)
            starts.append(chunk.start)
            ends.append(chunk.end)
            shifts.append(chunk.shift)
            records.append(ByteBuffer(bytes: chunk.record))
            spans[id] = max(spans[id] ?? 0, chunk.end &- chunk.start)
        }
        if !series.isEmpty {
            try session.execute(
                """
                INSERT INTO chunks (series, start, "end", shift, record)
                SELECT * FROM unnest(\(series)::bigint[], \(starts)::bigint[], \(ends)::bigint[], \(shifts)::bigint[], \(records)::bytea[])
                """)
        }
        let widened = spans.sorted { $0.key < $1.key }
        if !widened.isEmpty {
            try session.execute(
                """
                UPDATE series SET max_span = greatest(max_span, w.span)
                FROM unnest(\(widened.map(\.key))::bigint[], \(widened.map(\.value))::bigint[]) AS w(id, span)
                WHERE series.id = w.id AND series.max_span < w.span
                """)
        }
        for (level, bySeries) in plan.rollups.sorted(by: { $0.key.width < $1.key.width }) {
            try mergeRollups(level, bySeries, ids: ids, session)
        }
        let newest = plan.newest.compactMap { name, reading in ids[name].map { ($0, reading) } }.sorted { $0.0 < $1.0 }
        if !newest.isEmpty {
            try session.execute(
                """
                UPDATE series SET last_time = n.time, last_value = nullif(n.value, 'NaN'), last_good = n.good
                FROM unnest(\(newest.map(\.0))::bigint[], \(newest.map(\.1.timestamp))::bigint[],
                    \(newest.map(\.1.value))::float8[], \(newest.map(\.1.good))::bool[]) AS n(id, time, value, good)
                WHERE series.id = n.id AND (series.last_time IS NULL OR series.last_time <= n.time)
                """)
        }
    }

    private func mergeRollups(
        _ level: RollupLevel, _ bySeries: [String: [Int64: Aggregate]], ids: [String: Int64], _ session: PostgresSession
    ) throws {
        var rows: [(series: Int64, bucket: Int64, aggregate: Aggregate)] = []
        for (name, buckets) in bySeries {
            guard let id = ids[name] else { continue }
            for (bucket, aggregate) in buckets { rows.append((id, bucket / level.width, aggregate)) }
        }
        guard !rows.isEmpty else { return }
        rows.sort { ($0.series, $0.bucket) < ($1.series, $1.bucket) }
        let table = PostgresSchema.table(level)
        var bindings = PostgresBindings()
        bindings.append(rows.map(\.series))
        bindings.append(rows.map(\.bucket))
        bindings.append(rows.map(\.aggregate.count))
        bindings.append(rows.map(\.aggregate.validCount))
        bindings.append(rows.map(\.aggregate.min))
        bindings.append(rows.map(\.aggregate.max))
        bindings.append(rows.map(\.aggregate.sum))
        try session.execute(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(table) AS r (series, bucket, count, valid, min, max, sum)
                    SELECT s, b, c, v, nullif(lo, 'NaN'), nullif(hi, 'NaN'), t
                    FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::float8[], $6::float8[],
                        $7::float8[]) AS u(s, b, c, v, lo, hi, t)
                    ON CONFLICT (series, bucket) DO UPDATE SET count = r.count + excluded.count,
                        valid = r.valid + excluded.valid, min = least(r.min, excluded.min),
                        max = greatest(r.max, excluded.max), sum = r.sum + excluded.sum
                    """, binds: bindings))
    }

    /// The ids of the plan's series, registering new ones and recording changed declarations.
    private func registerSeries(
        _ plan: IngestPlan, gateway: String, learned: inout [SeriesKey: CachedSeries], _ session: PostgresSession
    ) throws -> [String: CachedSeries] {
        var ids: [String: CachedSeries] = [:]
        for descriptor in plan.series.sorted(by: { $0.name < $1.name }) {
            let key = SeriesKey(gateway: gateway, name: descriptor.name)
            let entry = CachedSeries(
                id: 0, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
            if let cached = learned[key] ?? seriesCache.withLock({ $0[key] }), cached.unit == entry.unit,
                cached.kind == entry.kind, cached.resolution == entry.resolution
            {
                ids[descriptor.name] = cached
                continue
            }
            let rows = try session.query(
                """
                INSERT INTO series (gateway, name, unit, kind, resolution)
                VALUES (\(gateway), \(descriptor.name), \(descriptor.unit), \(Int32(descriptor.kind.rawValue)),
                    \(descriptor.resolution?.description))
                ON CONFLICT (gateway, name) DO UPDATE SET unit = excluded.unit, kind = excluded.kind,
                    resolution = excluded.resolution
                RETURNING id
                """)
            guard let id = try rows.first?.decode(Int64.self) else { continue }
            var registered = entry
            registered.id = id
            ids[descriptor.name] = registered
            learned[key] = registered
        }
        return ids
    }

    private func bootClock(gateway: String, boot: BootID, _ session: PostgresSession) throws -> BootClock? {
        let rows = try session.query(
            """
            SELECT "offset", exact FROM boot_clocks WHERE gateway = \(gateway) AND boot = \(ByteBuffer(bytes: boot.bytes))
            """)
        guard let row = rows.first else { return nil }
        let (offset, exact) = try row.decode((Int64, Bool).self)
        return BootClock(offset: offset, exact: exact)
    }
}
