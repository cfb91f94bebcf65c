import NIOCore
import OutpostWire
import PostgresNIO

extension PostgresHubStore {
    package func series(gateway: String?) async throws -> [SeriesRecord] {
        try await link.withConnection { session in
            let rows =
                if let gateway {
                    try await session.query(
                        "SELECT id, gateway, name, unit, kind, resolution, last_time FROM series WHERE gateway = \(gateway) ORDER BY name"
                    )
                } else {
                    try await session.query(
                        "SELECT id, gateway, name, unit, kind, resolution, last_time FROM series ORDER BY gateway, name"
                    )
                }
            return try rows.map { row in
                let (id, gateway, name, unit, kind, resolution, newest) = try row.decode(
                    (Int64, String, String, String, Int32, String?, Int64?).self)
                return SeriesRecord(
                    id: id, key: SeriesKey(gateway: gateway, name: name), unit: unit,
                    kind: SeriesKind(rawValue: UInt8(truncatingIfNeeded: kind)) ?? .gauge,
                    resolution: resolution.flatMap(Resolution.init(parsing:)), newest: newest)
            }
        }
    }

    package func chunks(of series: SeriesKey, overlapping range: ClosedRange<Int64>) async throws -> [StoredChunk] {
        try await link.withConnection { session in try await Self.chunks(of: series, overlapping: range, session) }
    }

    package func chunks(of series: [SeriesKey], overlapping range: ClosedRange<Int64>) async throws
        -> [[StoredChunk]]
    {
        try await link.withConnection { session in
            var result: [[StoredChunk]] = []
            for key in series { result.append(try await Self.chunks(of: key, overlapping: range, session)) }
            return result
        }
    }

    private static func chunks(
        of series: SeriesKey, overlapping range: ClosedRange<Int64>, _ session: PostgresSession
    ) async throws -> [StoredChunk] {
        guard
            let found = try await session.query(
                "SELECT id, max_span FROM series WHERE gateway = \(series.gateway) AND name = \(series.name)"
            ).first
        else { return [] }
        let (id, span) = try found.decode((Int64, Int64).self)
        let lower = range.lowerBound.subtractingReportingOverflow(span)
        let from = lower.overflow ? Int64.min : lower.partialValue
        return try await session.query(
            """
            SELECT start, "end", shift, record FROM chunks
            WHERE series = \(id) AND start BETWEEN \(from) AND \(range.upperBound) AND "end" >= \(range.lowerBound)
            ORDER BY start, id
            """
        ).map { row in
            let (start, end, shift, record) = try row.decode((Int64, Int64, Int64, ByteBuffer).self)
            return StoredChunk(start: start, end: end, shift: shift, record: Array(record.readableBytesView))
        }
    }

    package func rollups(of series: SeriesKey, level: RollupLevel, in range: ClosedRange<Int64>) async throws
        -> [RollupBucket]
    {
        let first = level.bucket(of: range.lowerBound) / level.width
        let last = level.bucket(of: range.upperBound) / level.width
        return try await link.withConnection { session in
            try await session.query(
                """
                SELECT bucket, count, valid, min, max, sum FROM \(unescaped: PostgresSchema.table(level))
                WHERE series = (SELECT id FROM series WHERE gateway = \(series.gateway) AND name = \(series.name))
                    AND bucket BETWEEN \(first) AND \(last)
                ORDER BY bucket
                """
            ).map { row in
                let (bucket, count, valid, low, high, sum) = try row.decode(
                    (Int64, Int64, Int64, Double?, Double?, Double).self)
                return RollupBucket(
                    start: bucket * level.width,
                    aggregate: Aggregate(count: count, validCount: valid, min: low ?? .nan, max: high ?? .nan, sum: sum)
                )
            }
            .filter { range.contains($0.start) }
        }
    }

    package func latest(gateway: String) async throws -> [LatestReading] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT name, unit, last_time, last_value, last_good FROM series
                WHERE gateway = \(gateway) AND last_time IS NOT NULL ORDER BY name
                """
            ).map { row in
                let (name, unit, time, value, good) = try row.decode((String, String, Int64, Double?, Bool?).self)
                return LatestReading(
                    series: SeriesKey(gateway: gateway, name: name), unit: unit, timestamp: time, value: value ?? .nan,
                    good: good ?? false)
            }
        }
    }

    package func diskBytes() async throws -> Int64 {
        try await link.withConnection { session in
            try await session.query("SELECT pg_database_size(current_database())").first?.decode(Int64.self) ?? 0
        }
    }
}
