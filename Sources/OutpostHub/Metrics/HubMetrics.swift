import Prometheus
import Synchronization

/// The hub's Prometheus registry (swift-prometheus). Request latencies are recorded as they
/// happen; the hub's own counters (kept where they are counted) are copied in at each scrape.
package final class HubMetrics: Sendable {
    /// The registry `/metrics` renders.
    package let registry = PrometheusCollectorRegistry()
    /// The last value copied into each counter, by name and labels.
    private let copied = Mutex<[String: Int64]>([:])
    private static let latencyBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(20), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5),
    ]

    /// Creates an empty registry.
    package init() {}

    /// Records one answered request of `route` (its pattern, not the concrete path).
    func request(route: String, method: String, status: Int, took: Duration) {
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "Time to answer an HTTP request, by route"),
            labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets
        ).record(took)
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests answered, by route and status"),
            labels: [("route", route), ("method", method), ("status", String(status))]
        ).increment()
    }

    /// Brings a counter up to `value` (a count kept elsewhere since the hub started).
    func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], value: Int) {
        let key = name + labels.map { "\u{0}\($0.0)=\($0.1)" }.joined()
        let delta = copied.withLock { copied -> Int64 in
            let delta = Int64(value) - (copied[key] ?? 0)
            if delta > 0 { copied[key] = Int64(value) }
            return delta
        }
        let counter = registry.makeCounter(descriptor: Self.name(name, "total", help), labels: labels)
        if delta > 0 { counter.increment(by: delta) }
    }

    /// Sets a gauge.
    func gauge(_ name: String, unit: String = "", _ help: String, _ labels: [(String, String)] = [], value: Double) {
        registry.makeGauge(descriptor: Self.name(name, unit, help), labels: labels).set(value)
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "outpost", subsystem: "hub", metricName: metric, unitName: unit, helpText: help)
    }
}
