import ArgumentParser
import OutpostAgent
import OutpostCLI
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-agent status`: the running agent's health, from its data directory.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running agent's backlog, last acknowledgement, evictions, source errors and clock.")

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    @Flag(help: "Print the status document as JSON.")
    var json = false

    func run() throws {
        let configuration = try ConfigurationFile.load(config)
        let path = configuration.gateway.dataDirectory + "/status.json"
        // The agent rewrites the file in place once a minute: one read may catch it mid-write.
        var attempt = 0
        var read: (bytes: [UInt8], status: StatusDocument)?
        while read == nil {
            attempt += 1
            let bytes: [UInt8]
            do {
                bytes = try FileIO.read(path)
            } catch {
                throw CommandFailure("\(path): no status yet; is the agent running? (systemctl status outpost-agent)")
            }
            do {
                read = (bytes, try StatusDocument(json: bytes))
            } catch {
                guard attempt < 5 else {
                    throw CommandFailure(
                        "\(path): unreadable (\(error)); the agent rewrites it every minute, try again then")
                }
                usleep(100_000)
            }
        }
        guard let (bytes, status) = read else { return }
        if json {
            FileIO.printOut(Array(bytes.reversed().drop { $0 == 0x20 }.reversed()) + [0x0A])
            return
        }
        let age = Double(systemWallClock() - status.time) / 1e9
        var lines = [
            "gateway \(status.gateway), agent \(status.version), status written \(Int(age)) s ago"
                + (age > 120 ? " (the agent may not be running)" : ""),
            "uplink: \(status.connected ? "connected" : "not connected"), \(status.inFlight) batches in flight, "
                + "last acknowledgement "
                + (status.lastAcknowledgementAgeSeconds.map { "\(Int($0)) s ago" } ?? "never"),
            "backlog: \(status.backlogReadings) readings, \(status.backlogBytes) bytes"
                + (status.oldestUnsentAgeSeconds.map { ", oldest \(Int($0)) s old" } ?? ""),
            "lost to the quota: \(status.evictedReadings) readings dropped, \(status.degradedBatches) batches degraded, "
                + "\(status.refusedReadings) readings refused",
            "clock: \(status.clock)" + (status.clockOffsetMilliseconds.map { ", hub offset \($0) ms" } ?? ""),
            "storage: \(status.storageBytesWritten) bytes written"
                + (status.storageBytesPerDay.map { ", \(Int($0)) per day" } ?? ""),
        ]
        for (name, source) in status.sources.sorted(by: { $0.key < $1.key }) {
            let errors = source.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                separator: ", ")
            lines.append(
                "source \(name): \(source.goodSamples) good, \(source.badSamples) bad"
                    + (errors.isEmpty ? "" : "; errors: \(errors)")
                    + (source.lastError.map { "; last: \($0)" } ?? ""))
        }
        FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// `outpost-agent verify`: checks the outbox offline.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the outbox file offline: SQLite integrity, every batch and segment decoded.")

    @Option(help: "The configuration file.")
    var config = "/etc/outpost/agent.toml"

    func run() throws {
        let configuration = try ConfigurationFile.load(config)
        let path = configuration.gateway.dataDirectory + "/outbox.db"
        guard access(path, R_OK) == 0 else { throw CommandFailure("\(path): no outbox here (the agent never ran?)") }
        let report = try OutboxVerification.check(path: path)
        var lines = [
            "outbox \(path)", "integrity: \(report.integrity)",
            "batches: \(report.batches) (\(report.damagedBatches.count) damaged"
                + (report.damagedBatches.isEmpty
                    ? ")" : ": \(report.damagedBatches.map(String.init).joined(separator: ", ")))"),
            "segments: \(report.segments) (\(report.damagedSegments) damaged)",
        ]
        if let statistics = report.statistics {
            lines.append(
                "next sequence \(statistics.nextSequence); \(statistics.pendingReadings + statistics.unsentReadings) readings waiting; "
                    + "\(statistics.evictedReadings) dropped by the quota")
        }
        FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
        guard report.isHealthy else {
            throw CommandFailure("\(path): damaged; the agent salvages it into a new outbox at its next start")
        }
    }
}
