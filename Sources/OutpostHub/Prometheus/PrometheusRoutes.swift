import Foundation
import Hummingbird
import OutpostWire

/// The part of Prometheus's HTTP API that Grafana's Prometheus data source uses, under
/// `/prometheus` (docs/hub.md, "Grafana"): a hub is added to Grafana as a Prometheus data
/// source with a viewer's API token. Answers and errors have Prometheus's shape.
struct PrometheusRoutes {
    let services: HubServices
    static let prefix = "/prometheus/api/v1"
    /// Points per series a range query may ask for, as Prometheus.
    static let maxPoints = 11_000
    /// Samples one query may read: the JSON API's limit for raw ranges.
    static let maxSamples = SeriesRoutes.maxRawSamples

    func register(on routes: HubRoutes) {
        for method in [HTTPRequest.Method.get, .post] {
            routes.add(method, Self.prefix + "/query", .role(.viewer)) { request, _ in
                try await answer { try await instant(try await PrometheusParameters(request)) }
            }
            routes.add(method, Self.prefix + "/query_range", .role(.viewer)) { request, _ in
                try await answer { try await range(try await PrometheusParameters(request)) }
            }
            routes.add(method, Self.prefix + "/series", .role(.viewer)) { request, _ in
                try await answer { try await series(try await PrometheusParameters(request)) }
            }
            routes.add(method, Self.prefix + "/labels", .role(.viewer)) { request, _ in
                try await answer { try await labels(try await PrometheusParameters(request)) }
            }
        }
        routes.add(.get, Self.prefix + "/label/{name}/values", .role(.viewer)) { request, context in
            try await answer {
                let name = context.parameters.get("name") ?? ""
                return try await values(of: name, try await PrometheusParameters(request))
            }
        }
        routes.add(.get, Self.prefix + "/metadata", .role(.viewer)) { request, _ in
            try await answer { try await metadata(try await PrometheusParameters(request)) }
        }
        routes.add(.get, Self.prefix + "/status/buildinfo", .role(.viewer)) { _, _ in
            try await answer {
                PrometheusAnswer.success(
                    PrometheusAnswer.BuildInfo(
                        version: "2.42.0", revision: "outpost-hub", branch: "outpost", buildUser: "outpost",
                        buildDate: "", goVersion: "none (Swift)"))
            }
        }
    }

    /// Runs `body`, turning what it throws into Prometheus's error shape.
    private func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as PromQLError {
            return PrometheusAnswer.error(.badRequest, "bad_data", error.description)
        } catch let error as PrometheusParameters.Problem {
            return PrometheusAnswer.error(.badRequest, "bad_data", error.description)
        }
    }

    private func evaluator() -> PromQLEvaluator { PromQLEvaluator(store: services.store, maxSamples: Self.maxSamples) }

    private func instant(_ parameters: PrometheusParameters) async throws -> Response {
        let query = try PromQL(parsing: try parameters.required("query"))
        let time = try parameters.time("time") ?? services.clock()
        if case .range(let selector, let width) = query {
            return PrometheusAnswer.success(
                PrometheusAnswer.Query.samples(try await evaluator().samples(selector, width: width, at: time)))
        }
        switch try await evaluator().evaluate(query, at: [time]) {
        case .scalar(let values):
            return PrometheusAnswer.success(PrometheusAnswer.Query.scalar(time: time, value: values.first ?? .nan))
        case .vector(let vector):
            return PrometheusAnswer.success(PrometheusAnswer.Query.vector(time: time, vector))
        }
    }

    private func range(_ parameters: PrometheusParameters) async throws -> Response {
        let query = try PromQL(parsing: try parameters.required("query"))
        if case .range = query {
            throw PromQLError(
                #"invalid expression type "range vector" for range query, must be Scalar or instant Vector"#)
        }
        guard let start = try parameters.time("start"), let end = try parameters.time("end") else {
            throw PrometheusParameters.Problem("start and end are required")
        }
        let step = try parameters.step()
        guard end >= start else { throw PrometheusParameters.Problem("end timestamp must not be before start time") }
        let points = (end - start) / step + 1
        guard points <= Self.maxPoints else {
            throw PrometheusParameters.Problem(
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"
            )
        }
        let times = (0..<points).map { start + $0 * step }
        switch try await evaluator().evaluate(query, at: times) {
        case .scalar(let values):
            return PrometheusAnswer.success(PrometheusAnswer.Query.matrix(times: times, [.init([]): values]))
        case .vector(let vector):
            return PrometheusAnswer.success(PrometheusAnswer.Query.matrix(times: times, vector))
        }
    }

    /// Every series, as Prometheus labels, that any of `match[]` picks (all without one), less
    /// those whose newest reading is before `start` or that have none (the store keeps no first
    /// time, so `end` only has to be a time: like Prometheus's own, the filter is coarse).
    private func selected(_ parameters: PrometheusParameters, required: Bool) async throws -> [PrometheusSeries] {
        let start = try parameters.time("start")
        _ = try parameters.time("end")
        let all = try await services.store.series(gateway: nil).filter { record in
            start.map { start in record.newest.map { $0 >= start } ?? false } ?? true
        }.map(PrometheusSeries.init)
        let selectors = parameters.all("match[]")
        if selectors.isEmpty {
            if required { throw PrometheusParameters.Problem("no match[] parameter provided") }
            return all
        }
        var picked: [PrometheusSeries] = []
        var seen = Set<PrometheusSeries.Labels>()
        for text in selectors {
            guard case .selector(let selector) = try PromQL(parsing: text) else {
                throw PrometheusParameters.Problem("match[] takes a series selector, not '\(text)'")
            }
            let matchers = try selector.matchers.map(PrometheusSeries.Matcher.init)
            for series in all where matchers.allSatisfy({ $0.matches(series.labels) }) {
                if seen.insert(series.labels).inserted { picked.append(series) }
            }
        }
        return picked
    }

    private func series(_ parameters: PrometheusParameters) async throws -> Response {
        PrometheusAnswer.success(try await selected(parameters, required: true).map { $0.labels.dictionary })
    }

    private func labels(_ parameters: PrometheusParameters) async throws -> Response {
        let names = Set(try await selected(parameters, required: false).flatMap { $0.labels.pairs.map(\.name) })
        return PrometheusAnswer.success(names.sorted())
    }

    private func values(of name: String, _ parameters: PrometheusParameters) async throws -> Response {
        let values = Set(try await selected(parameters, required: false).compactMap { $0.labels[name] })
        return PrometheusAnswer.success(values.sorted())
    }

    /// `metric → [{type, help, unit}]`: gauge, counter, or for a state series, gauge.
    private func metadata(_ parameters: PrometheusParameters) async throws -> Response {
        let metric = parameters.first("metric")
        var result: [String: [PrometheusAnswer.Metadata]] = [:]
        for series in try await services.store.series(gateway: nil).map(PrometheusSeries.init) {
            let name = series.labels["__name__"] ?? ""
            guard metric == nil || metric == name, result[name] == nil else { continue }
            result[name] = [
                PrometheusAnswer.Metadata(
                    type: series.kind == .counter ? "counter" : "gauge",
                    help: "Outpost series '\(series.key.name)' (\(series.kind.name))", unit: series.unit)
            ]
        }
        return PrometheusAnswer.success(result)
    }
}
