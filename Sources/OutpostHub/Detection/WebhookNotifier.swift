import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import OutpostSystem
import Synchronization

/// Sends alert events to the configured webhooks: a JSON POST per event and URL, in order, retried
/// with exponential backoff (0.5 s doubling to 60 s, eight attempts, about four minutes) when the
/// receiver fails or cannot be reached. `notify` never blocks: events wait in a queue of up to
/// 10,000 (the oldest dropped and counted beyond that), so neither ingest nor detection ever
/// waits for a receiver.
package final class WebhookNotifier: AlertListener, Sendable {
    /// What it has done.
    package struct Counters: Sendable, Hashable {
        /// Events delivered (2xx), per URL and event.
        package var delivered = 0
        /// Attempts that failed (and were retried, or given up).
        package var failedAttempts = 0
        /// Events given up after the last attempt.
        package var abandoned = 0
        /// Events dropped because the queue was full.
        package var dropped = 0
    }

    private let urls: [String]
    private let logger: Logger
    private let events: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let counts = Mutex(Counters())
    private let waiting = Atomic<Int>(0)
    static let attempts = 8

    /// Creates a notifier for `urls`; nothing is sent before `run()`.
    package init(urls: [String], logger: Logger) {
        self.urls = urls
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: [UInt8].self, bufferingPolicy: .bufferingNewest(10_000))
    }

    /// The counts so far.
    package var counters: Counters { counts.withLock { $0 } }

    /// Events waiting to be delivered.
    package var queueDepth: Int { waiting.load(ordering: .relaxed) }

    /// Queues `event` (`alert.opened`, `alert.acknowledged`, `alert.resolved`) about `alert`.
    package func alertEvent(_ event: String, _ alert: Alert) {
        guard !urls.isEmpty else { return }
        guard let body = try? APIJSON.encode(API.WebhookEvent(event: event, alert: API.Alert(alert))) else { return }
        if case .dropped = continuation.yield(body) {
            counts.withLock { $0.dropped += 1 }
        } else {
            waiting.add(1, ordering: .relaxed)
        }
    }

    /// Stops after the events already queued.
    package func finish() { continuation.finish() }

    /// Delivers until `finish()`.
    package func run() async {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        for await body in events {
            for url in urls { await deliver(body, to: url, with: client) }
            waiting.subtract(1, ordering: .relaxed)
        }
        try? await client.shutdown()
    }

    private func deliver(_ body: [UInt8], to url: String, with client: HTTPClient) async {
        var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(60))
        for attempt in 1...Self.attempts {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "outpost-hub/\(OutpostVersion.current)")
            request.body = .bytes(ByteBuffer(bytes: body))
            var failure: String
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                if (200..<300).contains(response.status.code) {
                    counts.withLock { $0.delivered += 1 }
                    return
                }
                failure = "HTTP \(response.status.code)"
            } catch {
                failure = "\(error)"
            }
            counts.withLock { $0.failedAttempts += 1 }
            guard attempt < Self.attempts else { break }
            logger.warning(
                "webhook failed; retrying",
                metadata: ["webhook": "\(Self.redacted(url))", "attempt": "\(attempt)", "error": "\(failure)"])
            backoff.recordFailure(at: .now, random: Double.random(in: 0..<1))
            if let next = backoff.nextAttempt { try? await Task.sleep(until: next) }
        }
        counts.withLock { $0.abandoned += 1 }
        logger.error(
            "webhook given up", metadata: ["webhook": "\(Self.redacted(url))", "attempts": "\(Self.attempts)"])
    }

    /// A webhook URL as logs may show it: scheme and host only. Paths, queries and user
    /// information often carry the receiver's secret (Slack's and Teams' hooks do).
    package static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return "(a webhook)" }
        var host = url[scheme.upperBound...].prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        return String(url[..<scheme.upperBound]) + host + "/…"
    }
}
