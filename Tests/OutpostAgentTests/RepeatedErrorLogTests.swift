import Logging
import OutpostAgent
import Synchronization
import Testing

/// A log handler that keeps what it is given, for checking log output without bootstrapping.
final class MemoryLogHandler: LogHandler, Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let storage: Mutex<(entries: [Entry], metadata: Logger.Metadata, level: Logger.Level)> =
        Mutex(([], [:], .trace))

    var entries: [Entry] { storage.withLock { $0.entries } }

    var metadata: Logger.Metadata {
        get { storage.withLock { $0.metadata } }
        set { storage.withLock { $0.metadata = newValue } }
    }

    var logLevel: Logger.Level {
        get { storage.withLock { $0.level } }
        set { storage.withLock { $0.level = newValue } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        storage.withLock { state in
            let merged = state.metadata.merging(event.metadata ?? [:]) { $1 }
            state.entries.append(
                Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}

@Suite("Repeated errors are summarised, not repeated")
struct RepeatedErrorLogTests {
    @Test("First failure logged, repeats held back, one summary per interval, one recovery line")
    func filter() {
        var filter = RepeatedErrorFilter(summaryInterval: .seconds(60))
        let start = ContinuousClock.now
        #expect(filter.failure("meter.timeout", at: start) == .log)
        for second in 1..<60 { #expect(filter.failure("meter.timeout", at: start + .seconds(second)) == .suppress) }
        #expect(filter.failure("meter.timeout", at: start + .seconds(60)) == .summarise(repeats: 60))
        #expect(filter.failure("meter.timeout", at: start + .seconds(61)) == .suppress)
        // Another key has its own streak.
        #expect(filter.failure("gps.bad_checksum", at: start + .seconds(61)) == .log)
        #expect(filter.success("meter.timeout") == .recovered(failures: 62))
        #expect(filter.success("meter.timeout") == nil)
        #expect(filter.failure("meter.timeout", at: start + .seconds(62)) == .log)
    }

    @Test("A day of a failing meter polled each second writes a few lines through swift-log")
    func logLines() {
        let handler = MemoryLogHandler()
        let log = RepeatedErrorLog(logger: Logger(label: "test") { _ in handler }, summaryInterval: .seconds(300))
        let start = ContinuousClock.now
        for second in 0..<86_400 {
            log.failed("meter.timeout", "tcp://10.0.0.5:502 unit 1: timed out", at: start + .seconds(second))
        }
        log.succeeded(keysWithPrefix: "meter.")
        let entries = handler.entries
        #expect(entries.count == 1 + 86_399 / 300 + 1, "\(entries.count) lines")
        #expect(entries.first?.message == "source failing")
        #expect(entries.first?.metadata["error"] == "tcp://10.0.0.5:502 unit 1: timed out")
        #expect(entries[1].metadata["error.repeats"] == "300")
        #expect(entries.last?.message == "source recovered")
        #expect(entries.last?.metadata["error.failures"] == "86400")
        #expect(entries.allSatisfy { $0.level <= .info })
    }
}
