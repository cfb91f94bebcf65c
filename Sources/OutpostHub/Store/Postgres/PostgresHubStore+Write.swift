import NIOCore
import OutpostWire
import PostgresNIO

/// A boot of a gateway, for its clock.
struct BootKey: Hashable {
    var gateway: String
    var boot: BootID
}

/// What one transaction writes, gathered over its frames so each table takes one statement.
struct GroupWrite {
    /// Per gateway: the newest receipt, and the clock offset and state of its last frame.
    var gateways: [String: (seen: Int64, clockOffset: Int64, clockState: String)] = [:]
    /// The plans, in order, with their gateway.
    var plans: [(gateway: String, plan: IngestPlan)] = []

    mutating func gateway(_ id: String, seen: Int64, clockOffset: Int64, clockState: String) {
        let newest = max(seen, gateways[id]?.seen ?? .min)
        gateways[id] = (newest, clockOffset, clockState)
    }
}

extension PostgresHubStore {
    static func bootKey(_ gateway: String, _ boot: BootID) -> BootKey { BootKey(gateway: gateway, boot: boot) }

    /// The known clocks of the boots of `frames`, one query.
    func bootClocks(of frames: [BatchFrame], _ session: PostgresSession) async throws -> [BootKey: BootClock] {
        let keys = Array(Set(frames.map { Self.bootKey($0.gatewayID, $0.bootID) }))
        guard !keys.isEmpty else { return [:] }
        let rows = try await session.query(
            """
            SELECT b.gateway, b.boot, b."offset", b.exact FROM boot_clocks b
            JOIN unnest(\(keys.map(\.gateway))::text[], \(keys.map { ByteBuffer(bytes: $0.boot.bytes) })::bytea[])
                AS u(gateway, boot) ON b.gateway = u.gateway AND b.boot = u.boot
            """)
        var clocks: [BootKey: BootClock] = [:]
        for row in rows {
            let (gateway, boot, offset, exact) = try row.decode((String, ByteBuffer, Int64, Bool).self)
            guard let id = BootID(bytes: boot.readableBytesView) else { continue }
            clocks[Self.bootKey(gateway, id)] = BootClock(offset: offset, exact: exact)
        }
        return clocks
    }

    /// Records clocks learned or changed.
    func writeBootClocks(_ clocks: [BootKey: BootClock], _ session: PostgresSession) async throws {
        let rows = clocks.sorted {
            ($0.key.gateway, $0.key.boot.description) < ($1.key.gateway, $1.key.boot.description)
        }
        guard !rows.isEmpty else { return }
        try await session.execute(
            """
            INSERT INTO boot_clocks (gateway, boot, "offset", exact)
            SELECT * FROM unnest(\(rows.map(\.key.gateway))::text[], \(rows.map { ByteBuffer(bytes: $0.key.boot.bytes) })::bytea[],
                \(rows.map(\.value.offset))::bigint[], \(rows.map(\.value.exact))::bool[])
            ON CONFLICT (gateway, boot) DO UPDATE SET "offset" = excluded."offset", exact = excluded.exact
            """)
    }

    /// Writes a group: gateways, series, chunks, span bounds, rollups and newest readings, one
    /// statement each, rows in key order so two replicas writing one gateway lock them in the
    /// same order.
    func write(_ group: GroupWrite, learned: inout [SeriesKey: CachedSeries], _ session: PostgresSession) async throws {
        let gateways = group.gateways.sorted { $0.key < $1.key }
        if !gateways.isEmpty {
            try await session.execute(
                """
                INSERT INTO gateways (id, last_seen, clock_offset, clock_state)
                SELECT * FROM unnest(\(gateways.map(\.key))::text[], \(gateways.map(\.value.seen))::bigint[],
                    \(gateways.map(\.value.clockOffset))::bigint[], \(gateways.map(\.value.clockState))::text[])
                ON CONFLICT (id) DO UPDATE SET last_seen = greatest(gateways.last_seen, excluded.last_seen),
                    clock_offset = excluded.clock_offset, clock_state = excluded.clock_state
                """)
        }
        var chunks: (series: [Int64], starts: [Int64], ends: [Int64], shifts: [Int64], records: [ByteBuffer]) =
            ([], [], [], [], [])
        var spans: [Int64: Int64] = [:]
        var rollups: [RollupLevel: [Int64: [Int64: Aggregate]]] = [:]
        var newest: [Int64: IngestPlan.Newest] = [:]
        for (gateway, plan) in group.plans {
            let ids = try await registerSeries(plan, gateway: gateway, learned: &learned, session).mapValues(\.id)
            for row in plan.chunks {
                guard let id = ids[row.series] else { continue }
                let chunk = row.stored
                chunks.series.append(id)
                chunks.starts.append(chunk.start)
                chunks.ends.append(chunk.end)
                chunks.shifts.append(chunk.shift)
                chunks.records.append(ByteBuffer(bytes: chunk.record))
                spans[id] = max(spans[id] ?? 0, chunk.end &- chunk.start)
            }
            for (level, bySeries) in plan.rollups {
                for (name, buckets) in bySeries {
                    guard let id = ids[name] else { continue }
                    for (bucket, aggregate) in buckets {
                        rollups[level, default: [:]][id, default: [:]][bucket / level.width, default: .empty].merge(
                            aggregate)
                    }
                }
            }
            for (name, reading) in plan.newest {
                guard let id = ids[name] else { continue }
                if let known = newest[id], known.timestamp > reading.timestamp { continue }
                newest[id] = reading
            }
        }
        if !chunks.series.isEmpty {
            try await session.execute(
                """
                INSERT INTO chunks (series, start, "end", shift, record)
                SELECT * FROM unnest(\(chunks.series)::bigint[], \(chunks.starts)::bigint[], \(chunks.ends)::bigint[],
                    \(chunks.shifts)::bigint[], \(chunks.records)::bytea[])
                """)
        }
        let widened = spans.sorted { $0.key < $1.key }
        if !widened.isEmpty {
            try await session.execute(
                """
                UPDATE series SET max_span = greatest(max_span, w.span)
                FROM unnest(\(widened.map(\.key))::bigint[], \(widened.map(\.value))::bigint[]) AS w(id, span)
                WHERE series.id = w.id AND series.max_span < w.span
                """)
        }
        for level in RollupLevel.allCases {
            guard let bySeries = rollups[level] else { continue }
            try await mergeRollups(level, bySeries, session)
        }
        let latest = newest.sorted { $0.key < $1.key }
        if !latest.isEmpty {
            try await session.execute(
                """
                UPDATE series SET last_time = n.time, last_value = nullif(n.value, 'NaN'), last_good = n.good
                FROM unnest(\(latest.map(\.key))::bigint[], \(latest.map(\.value.timestamp))::bigint[],
                    \(latest.map(\.value.value))::float8[], \(latest.map(\.value.good))::bool[]) AS n(id, time, value, good)
                WHERE series.id = n.id AND (series.last_time IS NULL OR series.last_time <= n.time)
                """)
        }
    }

    private func mergeRollups(_ level: RollupLevel, _ bySeries: [Int64: [Int64: Aggregate]], _ session: PostgresSession)
        async throws
    {
        var rows: [(series: Int64, bucket: Int64, aggregate: Aggregate)] = []
        for (series, buckets) in bySeries {
            for (bucket, aggregate) in buckets { rows.append((series, bucket, aggregate)) }
        }
        guard !rows.isEmpty else { return }
        rows.sort { ($0.series, $0.bucket) < ($1.series, $1.bucket) }
        try await session.execute(
            """
            INSERT INTO \(unescaped: PostgresSchema.table(level)) AS r (series, bucket, count, valid, min, max, sum)
            SELECT s, b, c, v, nullif(lo, 'NaN'), nullif(hi, 'NaN'), t
            FROM unnest(\(rows.map(\.series))::bigint[], \(rows.map(\.bucket))::bigint[],
                \(rows.map(\.aggregate.count))::bigint[], \(rows.map(\.aggregate.validCount))::bigint[],
                \(rows.map(\.aggregate.min))::float8[], \(rows.map(\.aggregate.max))::float8[],
                \(rows.map(\.aggregate.sum))::float8[]) AS u(s, b, c, v, lo, hi, t)
            ON CONFLICT (series, bucket) DO UPDATE SET count = r.count + excluded.count,
                valid = r.valid + excluded.valid, min = least(r.min, excluded.min),
                max = greatest(r.max, excluded.max), sum = r.sum + excluded.sum
            """)
    }

    /// The ids of the plan's series, registering new ones and recording changed declarations.
    private func registerSeries(
        _ plan: IngestPlan, gateway: String, learned: inout [SeriesKey: CachedSeries], _ session: PostgresSession
    ) async throws -> [String: CachedSeries] {
        var ids: [String: CachedSeries] = [:]
        var added = 0
        for descriptor in plan.series.sorted(by: { $0.name < $1.name }) {
            let key = SeriesKey(gateway: gateway, name: descriptor.name)
            var entry = CachedSeries(
                id: 0, unit: descriptor.unit, kind: descriptor.kind, resolution: descriptor.resolution)
            if let cached = learned[key] ?? seriesCache.withLock({ $0[key] }), cached.unit == entry.unit,
                cached.kind == entry.kind, cached.resolution == entry.resolution
            {
                ids[descriptor.name] = cached
                continue
            }
            let rows = try await session.query(
                """
                INSERT INTO series (gateway, name, unit, kind, resolution)
                VALUES (\(gateway), \(descriptor.name), \(descriptor.unit), \(Int32(descriptor.kind.rawValue)),
                    \(descriptor.resolution?.description))
                ON CONFLICT (gateway, name) DO UPDATE SET unit = excluded.unit, kind = excluded.kind,
                    resolution = excluded.resolution
                RETURNING id, xmax = 0
                """)
            guard let (id, inserted) = try rows.first?.decode((Int64, Bool).self) else { continue }
            if inserted { added += 1 }
            entry.id = id
            ids[descriptor.name] = entry
            learned[key] = entry
        }
        // Counted once per new series, whichever replica registered it (the other's insert
        // found the row and took the update path).
        if added > 0 {
            try await session.execute(
                "UPDATE gateways SET series_count = series_count + \(Int64(added)) WHERE id = \(gateway)")
        }
        return ids
    }
}
