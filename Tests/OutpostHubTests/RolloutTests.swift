import OutpostWire
import Testing

@testable import OutpostHub

/// A rollout's steps, from the gateways' reports: pure, no hub.
@Suite("Rollouts: a few first, the rest once they took it, halted when too many fail")
struct RolloutTests {
    func rollout(_ gateways: [String], canary: Int = 1, share: Double = 0.2) -> Rollout {
        Rollout(
            createdAt: 0, author: "duty", note: "", toml: "", trialSeconds: 60, canary: canary, haltShare: share,
            selector: "list", targets: gateways.map { Rollout.Target(gateway: $0) })
    }

    /// Marks `gateways` sent as versions `version` at `time`, as the runner does.
    func send(_ gateways: [String], in rollout: inout Rollout, version: Int64 = 7, at time: Int64 = 0) {
        for gateway in gateways {
            guard let index = rollout.targets.firstIndex(where: { $0.gateway == gateway }) else { continue }
            (rollout.targets[index].version, rollout.targets[index].pushedAt) = (version, time)
            rollout.targets[index].state = Rollout.Target.sent
        }
    }

    @Test("The canary first; the rest only once it applied; done when all are settled")
    func goodRollout() {
        var plan = rollout(["a", "b", "c", "d"], canary: 2)
        #expect(plan.advance(reports: [:], now: 0) == ["a", "b"])
        send(["a", "b"], in: &plan)
        #expect(plan.advance(reports: ["a": .init(applied: 7)], now: 1).isEmpty, "b has not answered yet")
        #expect(plan.advance(reports: ["a": .init(applied: 7), "b": .init(applied: 7, trial: 7)], now: 2).isEmpty)
        let applied = ["a": RemoteConfigurationStatus(applied: 7), "b": .init(applied: 7)]
        #expect(plan.advance(reports: applied, now: 3) == ["c", "d"])
        send(["c", "d"], in: &plan, at: 3)
        let all = applied.merging(["c": .init(applied: 7), "d": .init(applied: 7)]) { $1 }
        #expect(plan.advance(reports: all, now: 4).isEmpty)
        #expect(plan.state == Rollout.done && plan.reason == "4 of 4 applied")
    }

    @Test("A failed canary halts it and skips the rest; the share counts only what was sent")
    func halts() {
        var plan = rollout(["a", "b", "c"])
        _ = plan.advance(reports: [:], now: 0)
        send(["a"], in: &plan)
        let failed = RemoteConfigurationStatus(applied: 1, failed: 7, outcome: "rolled_back", reason: "dead device")
        #expect(plan.advance(reports: ["a": failed], now: 1).isEmpty)
        #expect(plan.state == Rollout.halted && plan.reason.hasPrefix("1 of 1 gateways failed (more than 20 %): a"))
        #expect(plan.targets.map(\.state) == ["failed", "skipped", "skipped"])
        #expect(plan.targets[0].detail == "rolled_back: dead device")
        #expect(plan.advance(reports: [:], now: 2).isEmpty, "a halted rollout sends nothing")

        var tolerant = rollout((1...10).map { "g\($0)" }, canary: 5, share: 0.2)
        _ = tolerant.advance(reports: [:], now: 0)
        send((1...5).map { "g\($0)" }, in: &tolerant)
        var reports = Dictionary(
            uniqueKeysWithValues: (1...5).map { ("g\($0)", RemoteConfigurationStatus(applied: 7)) })
        reports["g5"] = failed
        #expect(tolerant.advance(reports: reports, now: 1).count == 5, "1 of 5 is 20 %: not more than the share")
        send((6...10).map { "g\($0)" }, in: &tolerant)
        reports["g6"] = failed
        #expect(tolerant.advance(reports: reports, now: 2).isEmpty)
        #expect(tolerant.state == Rollout.running, "2 of 10 sent: 20 %, waiting for the rest")
        reports["g7"] = failed
        _ = tolerant.advance(reports: reports, now: 3)
        #expect(tolerant.state == Rollout.halted && tolerant.reason.hasPrefix("3 of 10"))
    }

    @Test("No answer within the trial and five minutes: settled as such; a canary that never answers halts it")
    func silence() {
        var plan = rollout(["a", "b"])
        _ = plan.advance(reports: [:], now: 0)
        send(["a"], in: &plan)
        #expect(plan.advance(reports: [:], now: 360 * 1_000_000_000).isEmpty)
        #expect(plan.targets[0].state == Rollout.Target.sent, "60 s trial and 300 s: not yet")
        _ = plan.advance(reports: [:], now: 361 * 1_000_000_000)
        #expect(plan.targets[0].state == Rollout.Target.noAnswer)
        #expect(plan.state == Rollout.halted && plan.reason.contains("none of the first 1 gateways answered"))
        var newer = rollout(["a"])
        _ = newer.advance(reports: [:], now: 0)
        send(["a"], in: &newer)
        _ = newer.advance(reports: ["a": .init(applied: 9)], now: 1)
        #expect(newer.targets[0].detail == "a newer configuration reached it first" && newer.state == Rollout.done)
    }

    @Test(
        "A release rollout settles from the release reports: running it is applied, rolled back is failed, silence waits an hour more"
    )
    func releases() {
        var plan = Rollout(
            createdAt: 0, author: "admin", note: "", toml: "", trialSeconds: 60, canary: 1, haltShare: 0.5,
            selector: "list", targets: ["a", "b", "c"].map { Rollout.Target(gateway: $0) }, release: "0.2.0")
        #expect(plan.advance(releases: [:], now: 0) == ["a"])
        send(["a"], in: &plan)
        #expect(plan.advance(releases: ["a": .init(running: "0.2.0", trial: "0.2.0")], now: 1).isEmpty, "on trial")
        #expect(plan.advance(releases: ["a": .init(running: "0.2.0")], now: 2) == ["b", "c"])
        #expect(plan.targets[0].state == Rollout.Target.applied)
        send(["b", "c"], in: &plan, at: 2)
        let reports: [String: ReleaseStatus] = [
            "a": .init(running: "0.2.0"),
            "b": .init(running: "0.1.0", failed: "0.2.0", outcome: "rolled_back", reason: "exited with status 3"),
            "c": .init(running: "0.1.0"),
        ]
        // 60 s trial, 300 s and an hour: c is still awaited at 3,960 s, not after.
        #expect(plan.advance(releases: reports, now: 3_960 * 1_000_000_000).isEmpty)
        #expect(
            plan.targets[1].state == Rollout.Target.failed
                && plan.targets[1].detail == "rolled_back: exited with status 3")
        #expect(plan.targets[2].state == Rollout.Target.sent && plan.state == Rollout.running)
        _ = plan.advance(releases: reports, now: 3_963 * 1_000_000_000)
        #expect(plan.targets[2].state == Rollout.Target.noAnswer && plan.targets[2].detail == "no answer within 3960 s")
        #expect(plan.state == Rollout.done && plan.reason == "1 of 3 applied", "1 of 3 failed: not more than half")
        var newer = Rollout(
            createdAt: 0, author: "admin", note: "", toml: "", trialSeconds: 60, canary: 1, haltShare: 0.2,
            selector: "list", targets: [Rollout.Target(gateway: "a")], release: "0.2.0")
        _ = newer.advance(releases: [:], now: 0)
        send(["a"], in: &newer)
        _ = newer.advance(releases: ["a": .init(running: "0.10.0")], now: 1)
        #expect(newer.targets[0].detail == "a newer release reached it first", "0.10.0 is newer than 0.2.0")
    }
}
