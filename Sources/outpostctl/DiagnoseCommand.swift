import ArgumentParser
import Foundation
import OutpostCLI
import OutpostConfig
import OutpostSystem

/// `outpostctl diagnose`: remote diagnostics, through the hub.
struct Diagnose: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a gateway, through the hub, to probe a device or report its errors, outbox or configuration.",
        discussion: """
            KIND is probe (read a configured Modbus device once, as `outpost-agent probe` does:
            give --device), errors (sources' counters and the last log lines), outbox (backlog,
            clock, uplink) or config (the configuration as applied). The request is signed by the
            hub and kept for the gateway: one offline now answers when it is back, unless the
            request expires first (--expires). With --wait, prints the answer when it comes.
            """)

    @Argument(help: "The gateway id.") var gateway: String
    @Argument(help: "probe, errors, outbox or config.") var kind: String
    @Option(help: "For probe: the configured device.") var device: String?
    @Option(help: "How long the request waits for the gateway (10s to 30d).") var expires = "1d"
    @Option(help: "How long to wait here for the answer (0: do not wait).") var wait = "60s"
    @OptionGroup var hub: Config.Hub

    func run() async throws {
        guard let lifetime = parseDuration(expires)?.components.seconds,
            let waiting = parseDuration(wait)
        else { throw CommandFailure("--expires and --wait are durations, e.g. 1h, 30s") }
        var body: [String: Any] = ["kind": kind, "expires_in_s": lifetime]
        body["device"] = device
        let connection = try hub.connection("operator")
        let asked = try await connection.call(.POST, "/api/v1/gateways/\(gateway)/diagnostics", json: body)
        let id = asked["id"] as? Int64 ?? 0
        let deadline = ContinuousClock.now + waiting
        while ContinuousClock.now < deadline {
            let list = try await connection.call(.GET, "/api/v1/gateways/\(gateway)/diagnostics?limit=50")
            let found = (list["diagnostics"] as? [[String: Any]] ?? []).first { $0["id"] as? Int64 == id }
            if let found, found["state"] as? String == "answered" {
                FileIO.printOut(Array((found["text"] as? String ?? "").utf8))
                if found["ok"] as? Bool == false { throw ExitCode(1) }
                return
            }
            try await Task.sleep(for: .seconds(1))
        }
        FileIO.printOut(
            Array(
                "request \(id) waits for \(gateway): it answers when it is connected (outpostctl diagnose shows it; so does the gateway's page)\n"
                    .utf8))
    }
}
