import GRDB
import OutpostDetect

extension SQLiteHubStore {
    package func openAlert(series: SeriesKey, kind: AlertKind, score: Double, at time: Int64) async throws
        -> AlertOpening
    {
        let claim = AlertOpening.claim(series, kind)
        return try await writing { db in
            if let open = try Int64.fetchOne(
                db, sql: "SELECT id FROM alerts WHERE claim = ? AND state != 'resolved'", arguments: [claim])
            {
                return AlertOpening(id: open, opened: false)
            }
            try db.execute(
                sql: """
                    INSERT INTO alerts (gateway, series, kind, state, score, opened_at, last_anomaly_at, claim)
                    VALUES (?, ?, ?, 'firing', ?, ?, ?, ?)
                    """, arguments: [series.gateway, series.name, kind.rawValue, score, time, time, claim])
            return AlertOpening(id: db.lastInsertedRowID, opened: true)
        }
    }

    package func touchAlert(_ id: Int64, score: Double, at time: Int64) async throws {
        try await writing { db in
            try db.execute(
                sql: "UPDATE alerts SET score = max(score, ?), last_anomaly_at = max(last_anomaly_at, ?) WHERE id = ?",
                arguments: [score, time, id])
        }
    }

    package func reclassifyAlert(_ id: Int64, as kind: AlertKind) async throws {
        try await writing { db in
            try db.execute(sql: "UPDATE alerts SET kind = ? WHERE id = ?", arguments: [kind.rawValue, id])
        }
    }

    package func resolveAlert(_ id: Int64, at time: Int64, reason: String?) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql:
                    "UPDATE alerts SET state = 'resolved', resolved_at = ?, resolution = ? WHERE id = ? AND state != 'resolved'",
                arguments: [time, reason, id])
            return db.changesCount > 0
        }
    }

    package func acknowledgeAlert(_ id: Int64, by person: String, note: String, at time: Int64) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql:
                    "UPDATE alerts SET state = 'acknowledged', acknowledged_by = ?, note = ? WHERE id = ? AND state = 'firing'",
                arguments: [person, note, id])
            return db.changesCount > 0
        }
    }

    package func alerts(_ query: AlertQuery) async throws -> [Alert] {
        var clauses: [String] = []
        var arguments = StatementArguments()
        let names = query.states.map(\.rawValue)
        clauses.append("state IN (\(names.map { _ in "?" }.joined(separator: ", ")))")
        arguments += StatementArguments(names)
        if let gateway = query.gateway {
            clauses.append("gateway = ?")
            arguments += [gateway]
        }
        if let series = query.series {
            clauses.append("series = ?")
            arguments += [series]
        }
        if let kind = query.kind {
            clauses.append("kind = ?")
            arguments += [kind.rawValue]
        }
        if let id = query.id {
            clauses.append("id = ?")
            arguments += [id]
        }
        if let before = query.before {
            clauses.append("id < ?")
            arguments += [before]
        }
        if let range = query.overlapping {
            // Open alerts reach to now; resolved ones end when they resolved.
            clauses.append("opened_at <= ? AND coalesce(resolved_at, ?) >= ?")
            arguments += [range.upperBound, Int64.max, range.lowerBound]
        }
        arguments += [query.limit]
        let sql = "SELECT * FROM alerts WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?"
        return try await reading { [arguments] db in
            try Row.fetchAll(
                db,
                sql: sql, arguments: arguments
            ).compactMap { row in
                guard let kind = AlertKind(rawValue: row["kind"]), let state = Alert.State(rawValue: row["state"])
                else { return nil }
                return Alert(
                    id: row["id"], series: SeriesKey(gateway: row["gateway"], name: row["series"]), kind: kind,
                    state: state, score: row["score"], openedAt: row["opened_at"],
                    lastAnomalyAt: row["last_anomaly_at"],
                    resolvedAt: row["resolved_at"], acknowledgedBy: row["acknowledged_by"], note: row["note"],
                    resolution: row["resolution"])
            }
        }
    }
}
