import Logging
import OutpostSystem
import OutpostWire
import Synchronization

/// The agent's last log lines, kept in memory for remote diagnostics (`errors`): what a
/// technician would read with `journalctl -u outpost-agent`, without a shell. Repeated failures
/// are already summarised by `RepeatedErrorLog` before they get here.
package final class RecentLog: Sendable {
    private let lines = Mutex<[String]>([])
    /// Lines kept: the newest.
    package let capacity: Int

    package init(capacity: Int = 300) { self.capacity = capacity }

    /// Adds a line, dropping the oldest beyond `capacity`.
    func add(_ line: String) {
        lines.withLock { lines in
            lines.append(line)
            if lines.count > capacity { lines.removeFirst(lines.count - capacity) }
        }
    }

    /// The lines kept, oldest first.
    package var text: [String] { lines.withLock { $0 } }

    /// `logger` also writing its lines at `level` and above here.
    package func capturing(_ logger: Logger, from level: Logger.Level = .info) -> Logger {
        var captured = logger
        captured.handler = MultiplexLogHandler([logger.handler, Handler(log: self, logLevel: level)])
        return captured
    }

    /// Formats a line as the agent's standard error does: time, level, message, metadata.
    struct Handler: LogHandler {
        let log: RecentLog
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            let seconds = systemWallClock() / 1_000_000_000
            log.add(
                "\(CivilDate.timestamp(seconds: seconds)) \(event.level) \(event.message)\(fields.isEmpty ? "" : " " + fields)"
            )
        }
    }
}
