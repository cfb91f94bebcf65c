import ArgumentParser
import OutpostCLI
import OutpostConfig
import OutpostSystem

/// What a rollout is given on the command line (`config push`, `release rollout`): which
/// gateways, how many first, when to halt; and how it is followed to its end.
struct RolloutOptions: ParsableArguments {
    @Option(help: "NAME=VALUE: every enrolled gateway with that label.") var label: String?
    @Option(help: "Gateway ids, comma-separated.") var gateways: String?
    @Option(help: "How many get it first (online ones first).") var canary = 1
    @Option(help: "Halt when more than this share (0-1) fails.") var haltShare = 0.2
    @Option(help: "How long each gateway tries it before going back (5s to 24h).") var trial = "10m"
    @Option(help: "Why, for the versions list and the audit log.") var note = ""
    @Flag(help: "Wait until it is done or halted; exit 1 when halted.") var wait = false

    static let discussion = """
        The rollout halts, and the gateways not yet sent to are skipped, when more than
        --halt-share of the gateways it went to failed (refused it, or rolled back), or
        when none of the first answered within the trial and five minutes (and an hour more
        to download a release).
        """

    func validate() throws {
        guard (label == nil) != (gateways == nil) else {
            throw ValidationError("give --label NAME=VALUE or --gateways a,b,c, one of them")
        }
        guard haltShare.isFinite, (0...1).contains(haltShare) else {
            throw ValidationError("--halt-share is a share from 0 to 1")
        }
        guard canary >= 1 else { throw ValidationError("--canary is at least 1") }
    }

    /// Starts a rollout of `what` (`toml` or `release`), prints it, and with `--wait` follows it
    /// to its end, printing each gateway's outcome.
    func start(_ what: [String: Any], connection: HubConnection) async throws {
        guard let seconds = parseDuration(trial)?.components.seconds else {
            throw CommandFailure("--trial '\(trial)' is not a duration; use e.g. 10m, 30s, 1h")
        }
        var body: [String: Any] = ["canary": canary, "halt_share": haltShare, "trial_s": seconds, "note": note]
        body.merge(what) { _, given in given }
        body["label"] = label
        body["gateways"] = gateways.map { $0.split(separator: ",").map(String.init) }
        var rollout =
            try await connection.call(.POST, "/api/v1/rollouts", json: body)["rollout"] as? [String: Any] ?? [:]
        let id = rollout["id"] as? Int64 ?? 0
        let count = (rollout["targets"] as? [Any])?.count ?? 0
        FileIO.printOut(Array("rollout \(id) started: \(count) gateways, \(min(canary, count)) first\n".utf8))
        guard wait else { return }
        while rollout["state"] as? String == "running" {
            try await Task.sleep(for: .seconds(2))
            rollout = try await connection.call(.GET, "/api/v1/rollouts/\(id)")["rollout"] as? [String: Any] ?? [:]
        }
        var text = ""
        for target in rollout["targets"] as? [[String: Any]] ?? [] {
            let version = (target["version"] as? Int64).map { " v\($0)" } ?? ""
            let detail = (target["detail"] as? String).flatMap { $0.isEmpty ? nil : ": \($0)" } ?? ""
            text += "\(target["gateway"] as? String ?? "?")\(version) \(target["state"] as? String ?? "?")\(detail)\n"
        }
        let state = rollout["state"] as? String ?? "?"
        text += "rollout \(id) \(state): \(rollout["reason"] as? String ?? "")\n"
        FileIO.printOut(Array(text.utf8))
        if state == "halted" { throw ExitCode(1) }
    }
}
