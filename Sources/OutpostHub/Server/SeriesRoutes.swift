import Foundation
import Hummingbird
import OutpostDetect
import OutpostWire

/// A series' history: raw samples or N buckets (JSON or CSV), and the anomaly scores its
/// detector gives the range, for the chart.
struct SeriesRoutes {
    let services: HubServices
    /// The most raw samples one request reads (a wider range asks for buckets).
    static let maxRawSamples = 2_000_000

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/series", .role(.viewer)) { request, _ in try await range(request) }
        routes.add(.get, "/api/v1/series/scores", .role(.viewer)) { request, _ in try await scores(request) }
    }

    private func key(_ request: Request) throws -> SeriesKey {
        let query = request.uri.queryParameters
        guard let gateway = query.get("gateway"), let name = query.get("name"), !gateway.isEmpty, !name.isEmpty else {
            throw APIError.badRequest("missing_parameter", "give gateway= and name=")
        }
        return SeriesKey(gateway: gateway, name: name)
    }

    /// `GET /api/v1/series?gateway=G&name=N&from=T&to=T[&buckets=N][&format=csv]`: raw samples
    /// (`[time, value, quality]`), or N buckets of count, valid, min, max and mean.
    private func range(_ request: Request) async throws -> Response {
        let key = try key(request)
        let range = try RequestInput.range(request, now: services.clock())
        let csv = request.uri.queryParameters.get("format") == "csv"
        if request.uri.queryParameters.get("buckets") != nil {
            let count = try RequestInput.int(request, "buckets", default: 1000, 1...10_000)
            let answer = try await services.engine.buckets(key, range, count: count)
            if csv {
                var text = "start,count,valid,min,max,mean\n"
                for bucket in answer.buckets {
                    let aggregate = bucket.aggregate
                    text += "\(TimeArgument.format(bucket.start)),\(aggregate.count),\(aggregate.validCount),"
                    text += "\(Self.csv(aggregate.min)),\(Self.csv(aggregate.max)),\(Self.csv(aggregate.mean))\n"
                }
                return Self.csvResponse(text, key)
            }
            return JSONResponse.ok(
                API.SeriesBuckets(
                    gateway: key.gateway, series: key.name, from: range.lowerBound, to: range.upperBound,
                    source: answer.source, width: answer.width,
                    buckets: answer.buckets.map(API.SeriesBuckets.Bucket.init)))
        }
        let samples = try await services.engine.range(key, range)
        guard samples.count <= Self.maxRawSamples else {
            throw APIError(
                .contentTooLarge, "too_many_samples",
                "the range holds \(samples.count) samples; ask for buckets= or a shorter range")
        }
        if csv {
            return Self.csvResponse(
                "timestamp,value,quality\n" + samples.map(CSVReadings.line).joined(separator: "\n") + "\n", key)
        }
        return JSONResponse.ok(
            API.SeriesSamples(
                gateway: key.gateway, series: key.name, from: range.lowerBound, to: range.upperBound,
                samples: samples.map(API.SampleRow.init)))
    }

    /// `GET /api/v1/series/scores?gateway=G&name=N&from=T&to=T[&points=N]`: the series' detector
    /// (the settings ingest uses) run over the range, after warming up on the two days before it;
    /// the highest score in each of at most `points` slices, and the anomalous samples.
    private func scores(_ request: Request) async throws -> Response {
        let key = try key(request)
        let range = try RequestInput.range(request, now: services.clock())
        let points = try RequestInput.int(request, "points", default: 1000, 10...10_000)
        let warmup = max(TimeWindow.lowerBound, range.lowerBound.subtractingSaturating(2 * 86_400 * 1_000_000_000))
        let samples = try await services.engine.range(key, warmup...range.upperBound)
        guard samples.count <= Self.maxRawSamples else {
            throw APIError(.contentTooLarge, "too_many_samples", "the range holds \(samples.count) samples; shorten it")
        }
        let record = try await services.store.series(gateway: key.gateway).first { $0.key.name == key.name }
        var detector = SeriesDetector(
            settings: services.detection.settings(for: key.description, resolution: record?.resolution?.step))
        let span = range.upperBound.subtractingSaturating(range.lowerBound).addingSaturating(1)
        let width = max(1, span / Int64(points) + (span % Int64(points) == 0 ? 0 : 1))
        var slices: [Int64: Double] = [:]
        var anomalies: [API.SeriesScores.Anomaly] = []
        for sample in samples where sample.quality == .good && sample.value.isFinite {
            let score = detector.score(sample.value, at: sample.timestamp)
            guard range.contains(sample.timestamp), !score.learning else { continue }
            let slice = range.lowerBound &+ (sample.timestamp &- range.lowerBound) / width &* width
            slices[slice] = max(slices[slice] ?? 0, score.value)
            if score.isAnomalous, anomalies.count < 10_000 {
                anomalies.append(.init(time: sample.timestamp, score: score.value, kind: score.kind?.rawValue ?? ""))
            }
        }
        return JSONResponse.ok(
            API.SeriesScores(
                gateway: key.gateway, series: key.name, from: range.lowerBound, to: range.upperBound, width: width,
                scores: slices.keys.sorted().map { .init(start: $0, score: slices[$0] ?? 0) }, anomalies: anomalies))
    }

    private static func csv(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }

    private static func csvResponse(_ text: String, _ key: SeriesKey) -> Response {
        let file = "\(key.gateway)-\(key.name).csv".map {
            $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_"
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8",
                .contentDisposition: "attachment; filename=\"\(String(file))\"",
            ], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
