import Foundation

/// The four questions an operator asks, put to each system the way it is meant to be asked,
/// with each answer reduced to numbers that can be compared across systems:
/// - `raw 24 h`: one series' readings over the history's last day → count and sum;
/// - `30 d hourly`: one series over 30 days in hourly means (the buckets the hub's JSON API
///   gives for `buckets=1000`: 720) → the means;
/// - `latest`: one live gateway's newest value of each series → the values by series;
/// - `fleet last-seen`: every live gateway's newest reading of its first series → the times (s).
struct VersusQuery: Sendable {
    static let names = ["raw 24 h", "30 d hourly", "latest", "fleet last-seen"]

    let name: String
    let url: String
    /// The numbers of an answer; nil when this form of the question is not comparable (the
    /// hub's fleet page gives when frames arrived, not reading times).
    let numbers: @Sendable ([UInt8]) throws -> [Double]?

    /// The questions in PromQL, to the hub's `/prometheus` or to VictoriaMetrics.
    static func promQL(_ base: String, _ fleet: VersusFleet) -> [VersusQuery] {
        let seconds = { (ns: Int64) in String(ns / 1_000_000_000) }
        let history = #"meter_point0{gateway="\#(VersusFleet.historyGateway)"}"#
        let end = fleet.liveStart
        func url(_ path: String, _ query: String, _ rest: String) -> String {
            "\(base)/api/v1/\(path)?query=\(encode(query))&\(rest)"
        }
        return [
            VersusQuery(name: names[0], url: url("query", history + "[24h]", "time=\(seconds(end))")) { body in
                let values = try matrix(body).first?.values ?? []
                return [Double(values.count), values.reduce(0, +)]
            },
            VersusQuery(
                name: names[1],
                url: url(
                    "query_range", "avg_over_time(\(history)[1h])",
                    "start=\(seconds(end - 30 * VersusFleet.day + VersusFleet.hour))&end=\(seconds(end))&step=3600")
            ) { body in try matrix(body).first?.values ?? [] },
            VersusQuery(
                name: names[2], url: url("query", #"{gateway="bench-17"}"#, "time=\(seconds(fleet.liveEnd))")
            ) { body in
                try vector(body).sorted { $0.index < $1.index }.map(\.value)
            },
            VersusQuery(
                name: names[3],
                url: url("query", "max by (gateway) (timestamp(meter_point0))", "time=\(seconds(fleet.liveEnd))")
            ) { body in
                try vector(body).sorted { $0.gateway < $1.gateway }.map { ($0.value * 1000).rounded() / 1000 }
            },
        ]
    }

    /// The questions in InfluxQL.
    static func influxQL(_ base: String, _ fleet: VersusFleet) -> [VersusQuery] {
        let end = fleet.liveStart
        let history = "gateway = '\(VersusFleet.historyGateway)'"
        func url(_ query: String) -> String { "\(base)/query?db=outpost&epoch=ms&q=\(encode(query))" }
        return [
            VersusQuery(
                name: names[0],
                url: url(
                    "SELECT value FROM meter_point0 WHERE \(history) AND time > \(end - VersusFleet.day) AND time <= \(end)"
                )
            ) { body in
                let values = try influx(body).first?.rows.map(\.value) ?? []
                return [Double(values.count), values.reduce(0, +)]
            },
            VersusQuery(
                name: names[1],
                url: url(
                    "SELECT mean(value) FROM meter_point0 WHERE \(history) AND time >= \(end - 30 * VersusFleet.day) "
                        + "AND time < \(end) GROUP BY time(1h)")
            ) { body in try influx(body).first?.rows.map(\.value) ?? [] },
            VersusQuery(
                name: names[2],
                url: url(
                    "SELECT last(value) FROM /^meter_point/ WHERE gateway = 'bench-17' AND time > \(fleet.liveEnd - VersusFleet.hour)"
                )
            ) { body in
                try influx(body).sorted { $0.index < $1.index }.compactMap { $0.rows.first?.value }
            },
            VersusQuery(
                name: names[3],
                url: url(
                    "SELECT last(value) FROM meter_point0 WHERE time > \(fleet.liveEnd - 5 * VersusFleet.minute) "
                        + "AND time <= \(fleet.liveEnd) GROUP BY gateway")
            ) { body in
                try influx(body).sorted { $0.gateway < $1.gateway }.compactMap { $0.rows.first.map { $0.time / 1000 } }
            },
        ]
    }

    /// The questions to the hub's own JSON API.
    static func hubJSON(_ base: String, _ fleet: VersusFleet) -> [VersusQuery] {
        let end = fleet.liveStart
        let series = "\(base)/api/v1/series?gateway=\(VersusFleet.historyGateway)&name=meter.point0"
        return [
            VersusQuery(name: names[0], url: "\(series)&from=\(end - VersusFleet.day + 1)&to=\(end)") { body in
                let samples = (try object(body)["samples"] as? [[Any]]) ?? []
                let values = samples.compactMap { ($0.count > 1 ? $0[1] : nil) as? Double }
                return [Double(values.count), values.reduce(0, +)]
            },
            VersusQuery(
                name: names[1], url: "\(series)&from=\(end - 30 * VersusFleet.day)&to=\(end - 1)&buckets=1000"
            ) { body in
                ((try object(body)["buckets"] as? [[String: Any]]) ?? []).compactMap { $0["mean"] as? Double }
            },
            VersusQuery(name: names[2], url: "\(base)/api/v1/gateways/bench-17/latest") { body in
                let latest = (try object(body)["latest"] as? [[String: Any]]) ?? []
                return latest.sorted { index($0["series"] as? String ?? "") < index($1["series"] as? String ?? "") }
                    .compactMap { $0["value"] as? Double }
            },
            VersusQuery(name: names[3], url: "\(base)/api/v1/gateways?limit=5000") { body in
                _ = try object(body)["gateways"] as? [[String: Any]]
                return nil
            },
        ]
    }

    // MARK: Reading answers

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? text
    }

    /// The number a series name or measurement ends with (`meter.point7` → 7).
    static func index(_ name: String) -> Int { Int(String(name.reversed().prefix(while: \.isNumber).reversed())) ?? -1 }

    static func object(_ body: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw BenchFailure(
                "an answer that is not a JSON object: \(String(decoding: body.prefix(200), as: UTF8.self))")
        }
        return object
    }

    /// Prometheus's `matrix`: each series' values.
    static func matrix(_ body: [UInt8]) throws -> [(metric: [String: String], values: [Double])] {
        let result = ((try object(body)["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        return result.map { series in
            let points = (series["values"] as? [[Any]]) ?? []
            return (
                series["metric"] as? [String: String] ?? [:],
                points.compactMap { ($0.last as? String).flatMap(Double.init) }
            )
        }
    }

    /// Prometheus's `vector`: each series' gateway, series index and value.
    static func vector(_ body: [UInt8]) throws -> [(gateway: String, index: Int, value: Double)] {
        let result = ((try object(body)["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
        return result.compactMap { series in
            let metric = series["metric"] as? [String: String] ?? [:]
            guard let value = ((series["value"] as? [Any])?.last as? String).flatMap(Double.init) else { return nil }
            return (metric["gateway"] ?? "", index(metric["__name__"] ?? metric["series"] ?? ""), value)
        }
    }

    /// InfluxDB's answer: each series' measurement index, gateway tag and rows of (time ms, value).
    static func influx(_ body: [UInt8]) throws -> [(index: Int, gateway: String, rows: [(time: Double, value: Double)])]
    {
        let results = (try object(body)["results"] as? [[String: Any]]) ?? []
        if let error = results.first?["error"] as? String { throw BenchFailure("InfluxDB: \(error)") }
        let series = (results.first?["series"] as? [[String: Any]]) ?? []
        return series.map { one in
            let rows = ((one["values"] as? [[Any]]) ?? []).compactMap { row -> (Double, Double)? in
                guard row.count > 1, let time = row[0] as? Double, let value = row[1] as? Double else { return nil }
                return (time, value)
            }
            return (
                index(one["name"] as? String ?? ""), (one["tags"] as? [String: String])?["gateway"] ?? "",
                rows.map { (time: $0.0, value: $0.1) }
            )
        }
    }
}
