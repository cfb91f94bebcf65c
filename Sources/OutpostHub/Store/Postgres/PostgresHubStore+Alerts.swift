import OutpostDetect
import PostgresNIO

extension PostgresHubStore {
    package func openAlert(series: SeriesKey, kind: AlertKind, score: Double, at time: Int64) async throws
        -> AlertOpening
    {
        let claim = AlertOpening.claim(series, kind)
        return try await link.withConnection { session in
            // The partial unique index on open claims decides between replicas; the loser reads
            // the winner's id (and looks again should that alert resolve in between).
            for _ in 0..<3 {
                let inserted = try await session.query(
                    """
                    INSERT INTO alerts (gateway, series, kind, state, score, opened_at, last_anomaly_at, claim)
                    VALUES (\(series.gateway), \(series.name), \(kind.rawValue), 'firing', \(score), \(time), \(time), \(claim))
                    ON CONFLICT (claim) WHERE state <> 'resolved' DO NOTHING RETURNING id
                    """)
                if let id = try inserted.first?.decode(Int64.self) { return AlertOpening(id: id, opened: true) }
                let open = try await session.query(
                    "SELECT id FROM alerts WHERE claim = \(claim) AND state <> 'resolved'")
                if let id = try open.first?.decode(Int64.self) { return AlertOpening(id: id, opened: false) }
            }
            throw PostgresStoreError(message: "could not open or find the open alert of \(claim)")
        }
    }

    package func touchAlert(_ id: Int64, score: Double, at time: Int64) async throws {
        try await link.withConnection { session in
            try await session.execute(
                """
                UPDATE alerts SET score = greatest(score, \(score)), last_anomaly_at = greatest(last_anomaly_at, \(time))
                WHERE id = \(id)
                """)
        }
    }

    package func reclassifyAlert(_ id: Int64, as kind: AlertKind) async throws {
        try await link.withConnection { session in
            try await session.execute("UPDATE alerts SET kind = \(kind.rawValue) WHERE id = \(id)")
        }
    }

    package func resolveAlert(_ id: Int64, at time: Int64, reason: String?) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute(
                "UPDATE alerts SET state = 'resolved', resolved_at = \(time), resolution = \(reason) WHERE id = \(id) AND state <> 'resolved'"
            )
                > 0
        }
    }

    package func acknowledgeAlert(_ id: Int64, by person: String, note: String, at time: Int64) async throws -> Bool {
        try await link.withConnection { session in
            try await session.execute(
                """
                UPDATE alerts SET state = 'acknowledged', acknowledged_by = \(person), note = \(note)
                WHERE id = \(id) AND state = 'firing'
                """) > 0
        }
    }

    package func alerts(_ query: AlertQuery) async throws -> [Alert] {
        var clauses: [String] = []
        var bindings = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            bindings.append(value)
            return "$\(bindings.count)"
        }
        clauses.append("state = ANY(\(bind(query.states.map(\.rawValue))))")
        if let gateway = query.gateway { clauses.append("gateway = \(bind(gateway))") }
        if let series = query.series { clauses.append("series = \(bind(series))") }
        if let kind = query.kind { clauses.append("kind = \(bind(kind.rawValue))") }
        if let id = query.id { clauses.append("id = \(bind(id))") }
        if let before = query.before { clauses.append("id < \(bind(before))") }
        if let range = query.overlapping {
            // Open alerts reach to now; resolved ones end when they resolved.
            clauses.append(
                "opened_at <= \(bind(range.upperBound)) AND coalesce(resolved_at, \(bind(Int64.max))) >= \(bind(range.lowerBound))"
            )
        }
        let limit = bind(Int64(query.limit))
        let sql = """
            SELECT id, gateway, series, kind, state, score, opened_at, last_anomaly_at, resolved_at, acknowledged_by, note,
                resolution
            FROM alerts WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(limit)
            """
        return try await link.withConnection { [bindings] session in
            try await session.query(PostgresQuery(unsafeSQL: sql, binds: bindings)).compactMap { row in
                let (id, gateway, series, kind, state, score, opened, last) = try row.decode(
                    (Int64, String, String, String, String, Double, Int64, Int64).self)
                let cells = row.makeRandomAccess()
                guard let kind = AlertKind(rawValue: kind), let state = Alert.State(rawValue: state) else { return nil }
                return Alert(
                    id: id, series: SeriesKey(gateway: gateway, name: series), kind: kind, state: state, score: score,
                    openedAt: opened, lastAnomalyAt: last, resolvedAt: try cells[8].decode(Int64?.self),
                    acknowledgedBy: try cells[9].decode(String?.self), note: try cells[10].decode(String?.self),
                    resolution: try cells[11].decode(String?.self))
            }
        }
    }
}
