import ArgumentParser
import Foundation
import OutpostCLI
import OutpostConfig
import OutpostSystem

/// `outpostctl config`: gateways' remote configurations, through the hub's API.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read, change and compare gateways' remote configurations (what to read and how to keep it).",
        discussion: """
            A remote configuration holds the tables of agent.toml that say what to read and how to
            keep it ([[modbus]], [[gpio]], [[serial]], [[aggregate]], [buffer]); each kind it has
            replaces the gateway's own. The hub checks it as `outpost-agent check --remote` does,
            signs it and keeps it for the gateway until it connects; the gateway tries it and goes
            back to the last one that worked if it cannot get a batch to the hub or a device
            never answers. See docs/fleet.md.
            """,
        subcommands: [Get.self, Set.self, Diff.self, Status.self, Push.self, Label.self])

    /// The options every subcommand takes.
    struct Hub: ParsableArguments {
        @Option(help: "The hub's URL, e.g. https://hub.example:8080.") var hub: String
        @OptionGroup var token: HubToken

        func connection(_ role: String) throws -> HubConnection {
            HubConnection(url: hub, token: try token.required(role))
        }
    }

    /// `outpostctl config get`.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a gateway's newest configuration (or --version N) as TOML.")
        @Argument(help: "The gateway id.") var gateway: String
        @Option(help: "A version; the newest by default.") var version: Int64?
        @OptionGroup var hub: Hub

        func run() async throws {
            let connection = try hub.connection("viewer")
            let document: [String: Any]
            if let version {
                document = try await connection.call(.GET, "/api/v1/gateways/\(gateway)/config/versions/\(version)")
            } else {
                let answer = try await connection.call(.GET, "/api/v1/gateways/\(gateway)/config")
                guard let desired = answer["desired"] as? [String: Any] else {
                    throw CommandFailure("\(gateway) has no remote configuration: it runs its agent.toml alone")
                }
                document = desired
            }
            FileIO.printOut(Array((document["toml"] as? String ?? "").utf8))
        }
    }

    /// `outpostctl config set`.
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make FILE a gateway's next configuration: checked by the hub, then sent to the gateway.")
        @Argument(help: "The gateway id.") var gateway: String
        @Argument(help: "The configuration, TOML; - for standard input.") var file: String
        @Option(help: "Why, for the versions list and the audit log.") var note = ""
        @Option(help: "How long the gateway tries it before going back (5s to 24h).") var trial = "10m"
        @OptionGroup var hub: Hub

        func run() async throws {
            let text = String(
                decoding: file == "-" ? try FileIO.readStandardInput() : try FileIO.read(file), as: UTF8.self)
            guard let seconds = parseDuration(trial)?.components.seconds else {
                throw CommandFailure("--trial '\(trial)' is not a duration; use e.g. 10m, 30s, 1h")
            }
            let answer = try await hub.connection("operator").call(
                .PUT, "/api/v1/gateways/\(gateway)/config", json: ["toml": text, "trial_s": seconds, "note": note])
            let version = answer["version"] as? Int64 ?? 0
            let delivered = answer["delivered"] as? Bool ?? false
            FileIO.printOut(
                Array(
                    ("\(gateway): configuration v\(version) accepted; "
                        + (delivered
                            ? "sent, the gateway takes it when it is connected\n"
                            : "the hub sends it when it reaches its broker again\n"))
                        .utf8))
        }
    }

    /// `outpostctl config push`: a rollout.
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send FILE to the gateways of a label or a list: a few first, the rest once they took it.",
            discussion: RolloutOptions.discussion)
        @Argument(help: "The configuration, TOML.") var file: String
        @OptionGroup var rollout: RolloutOptions
        @OptionGroup var hub: Hub

        func run() async throws {
            try await rollout.start(
                ["toml": String(decoding: try FileIO.read(file), as: UTF8.self)], connection: hub.connection("operator")
            )
        }
    }

    /// `outpostctl config label`.
    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a gateway's labels (NAME=VALUE ...), what push --label selects by; none clears them.")
        @Argument(help: "The gateway id.") var gateway: String
        @Argument(help: "NAME=VALUE pairs.") var labels: [String] = []
        @OptionGroup var hub: Hub

        func run() async throws {
            var pairs: [String: String] = [:]
            for label in labels {
                let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { throw CommandFailure("'\(label)' is not NAME=VALUE") }
                pairs[parts[0]] = parts[1]
            }
            _ = try await hub.connection("operator").call(
                .PUT, "/api/v1/gateways/\(gateway)/labels", json: ["labels": pairs])
            FileIO.printOut(Array("\(gateway): \(labels.isEmpty ? "no labels" : labels.joined(separator: " "))\n".utf8))
        }
    }

    /// `outpostctl config diff`.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two versions of a gateway's configuration, or its newest with FILE.")
        @Argument(help: "The gateway id.") var gateway: String
        @Argument(help: "A file to compare the newest version with (what set would change).") var file: String?
        @Option(help: "The older version (0: agent.toml alone).") var from: Int64?
        @Option(help: "The newer version.") var to: Int64?
        @OptionGroup var hub: Hub

        func run() async throws {
            let connection = try hub.connection("viewer")
            if let file {
                let answer = try await connection.call(.GET, "/api/v1/gateways/\(gateway)/config")
                let desired = answer["desired"] as? [String: Any]
                let old = desired?["toml"] as? String ?? ""
                let name = (desired?["version"] as? Int64).map { "v\($0)" } ?? "agent.toml alone"
                let new = String(decoding: try FileIO.read(file), as: UTF8.self)
                FileIO.printOut(Array(LineDiff.unified(old, new, oldName: name, newName: file).utf8))
                return
            }
            var query: [String] = []
            if let from { query.append("from=\(from)") }
            if let to { query.append("to=\(to)") }
            let answer = try await connection.call(
                .GET,
                "/api/v1/gateways/\(gateway)/config/diff" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
            FileIO.printOut(Array((answer["diff"] as? String ?? "").utf8))
        }
    }

    /// `outpostctl config status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Where a gateway stands: the version wanted, the one it runs, the last it gave up and why.")
        @Argument(help: "The gateway id.") var gateway: String
        @OptionGroup var hub: Hub

        func run() async throws {
            let answer = try await hub.connection("viewer").call(.GET, "/api/v1/gateways/\(gateway)/config")
            let desired = ((answer["desired"] as? [String: Any])?["version"] as? Int64).map { "v\($0)" } ?? "none"
            var lines = ["\(gateway): \(answer["state"] as? String ?? "?"); wanted \(desired)"]
            if let applied = answer["applied"] as? Int64 {
                lines[0] += ", runs " + (applied == 0 ? "agent.toml alone" : "v\(applied)")
            }
            if let trial = answer["trial"] as? Int64 { lines[0] += ", v\(trial) on trial" }
            if let failed = answer["failed"] as? Int64 {
                let outcome = (answer["outcome"] as? String ?? "refused").replacingOccurrences(of: "_", with: " ")
                lines.append("v\(failed) \(outcome): \(answer["reason"] as? String ?? "")")
            }
            if let refusal = answer["refusal"] as? String { lines.append("last refused document: \(refusal)") }
            FileIO.printOut(Array((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
