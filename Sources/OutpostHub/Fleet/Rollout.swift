import OutpostWire

/// One configuration, or one agent release, sent to many gateways: a few first (the canary), the
/// rest once they took it, halted when more than a set share of the gateways it went to failed or
/// rolled back.
package struct Rollout: Sendable, Hashable {
    package var id: Int64
    package var createdAt: Int64
    package var author: String
    package var note: String
    /// The configuration sent (empty for a release).
    package var toml: String
    /// The release version sent; nil for a configuration rollout.
    package var release: String?
    package var trialSeconds: Int64
    /// How many gateways get it first.
    package var canary: Int
    /// The share of gateways sent to that may fail (0…1) before the rollout halts.
    package var haltShare: Double
    /// How the gateways were chosen: `label site=north` or `list`.
    package var selector: String
    /// `running`, `done` or `halted`.
    package var state: String
    /// Why it halted, or how it ended.
    package var reason: String
    /// The gateways, in the order they get it.
    package var targets: [Target]

    package static let running = "running"
    package static let done = "done"
    package static let halted = "halted"

    /// One gateway of a rollout.
    package struct Target: Sendable, Hashable {
        package var gateway: String
        /// The configuration version it was sent as; nil before it was sent, and for a release.
        package var version: Int64?
        package var pushedAt: Int64?
        /// `waiting` (not sent), `sent`, `applied`, `failed`, `no_answer`, `skipped` (the
        /// rollout halted first).
        package var state: String
        package var detail: String

        package init(
            gateway: String, version: Int64? = nil, pushedAt: Int64? = nil, state: String = Self.waiting,
            detail: String = ""
        ) {
            (self.gateway, self.version, self.pushedAt, self.state, self.detail) =
                (gateway, version, pushedAt, state, detail)
        }

        package static let waiting = "waiting"
        package static let sent = "sent"
        package static let applied = "applied"
        package static let failed = "failed"
        package static let noAnswer = "no_answer"
        package static let skipped = "skipped"

        /// Whether it has an outcome.
        var settled: Bool { [Self.applied, Self.failed, Self.noAnswer].contains(state) }
    }

    package init(
        id: Int64 = 0, createdAt: Int64, author: String, note: String, toml: String, trialSeconds: Int64, canary: Int,
        haltShare: Double, selector: String, state: String = Self.running, reason: String = "", targets: [Target],
        release: String? = nil
    ) {
        (self.id, self.createdAt, self.author, self.note, self.toml) = (id, createdAt, author, note, toml)
        self.release = release
        (self.trialSeconds, self.canary, self.haltShare, self.selector) = (trialSeconds, canary, haltShare, selector)
        (self.state, self.reason, self.targets) = (state, reason, targets)
    }

    /// How long after sending a gateway's answer is waited for before it counts as no answer:
    /// its trial, and five minutes for a gateway that is just reconnecting; a release has an
    /// hour more to be downloaded.
    var answerWaitSeconds: Int64 { trialSeconds + 300 + (release == nil ? 0 : 3600) }

    /// Takes the gateways' configuration reports at `now`: settles the targets sent, halts or
    /// finishes the rollout, and returns the gateways to send to now (their targets are left
    /// `waiting`; the runner marks them sent with their versions).
    package mutating func advance(reports: [String: RemoteConfigurationStatus], now: Int64) -> [String] {
        advance(now: now) { target in Self.settle(&target, report: reports[target.gateway]) }
    }

    /// The same for a release rollout, from the gateways' release reports.
    package mutating func advance(releases: [String: ReleaseStatus], now: Int64) -> [String] {
        let version = release ?? ""
        return advance(now: now) { target in Self.settle(&target, release: version, report: releases[target.gateway]) }
    }

    private mutating func advance(now: Int64, settle: (inout Target) -> Void) -> [String] {
        guard state == Self.running else { return [] }
        for index in targets.indices where targets[index].state == Target.sent {
            settle(&targets[index])
            if targets[index].state == Target.sent, let pushedAt = targets[index].pushedAt,
                now.subtractingSaturating(pushedAt) > answerWaitSeconds.multipliedSaturating(by: 1_000_000_000)
            {
                targets[index].state = Target.noAnswer
                targets[index].detail = "no answer within \(answerWaitSeconds) s"
            }
        }
        let sent = targets.filter { $0.state != Target.waiting }
        let failed = sent.filter { $0.state == Target.failed }
        if !sent.isEmpty, Double(failed.count) > haltShare * Double(sent.count) {
            let names = failed.prefix(3).map(\.gateway).joined(separator: ", ")
            return halt(
                "\(failed.count) of \(sent.count) gateways failed (more than \(Int((haltShare * 100).rounded())) %): \(names)"
                    + (failed.count > 3 ? ", …" : ""))
        }
        guard sent.allSatisfy(\.settled) else { return [] }
        let waiting = targets.filter { $0.state == Target.waiting }.map(\.gateway)
        if waiting.isEmpty {
            state = Self.done
            reason = "\(sent.filter { $0.state == Target.applied }.count) of \(targets.count) applied"
            return []
        }
        if sent.isEmpty { return Array(waiting.prefix(max(1, canary))) }
        guard sent.contains(where: { $0.state == Target.applied }) else {
            return halt("none of the first \(sent.count) gateways answered within the trial and 5 minutes")
        }
        return waiting
    }

    private mutating func halt(_ why: String) -> [String] {
        state = Self.halted
        reason = why
        for index in targets.indices where targets[index].state == Target.waiting {
            targets[index].state = Target.skipped
        }
        return []
    }

    private static func settle(_ target: inout Target, report: RemoteConfigurationStatus?) {
        guard let version = target.version, let report else { return }
        if report.failed == version {
            target.state = Target.failed
            target.detail = "\(report.outcome ?? "refused"): \(report.reason ?? "")"
        } else if report.applied == version, report.trial != version {
            target.state = Target.applied
        } else if report.applied > version || (report.failed ?? 0) > version {
            target.state = Target.noAnswer
            target.detail = "a newer configuration reached it first"
        }
    }

    private static func settle(_ target: inout Target, release version: String, report: ReleaseStatus?) {
        guard let report, let wanted = ReleaseVersion(version) else { return }
        if report.failed == version {
            target.state = Target.failed
            target.detail = "\(report.outcome ?? "refused"): \(report.reason ?? "")"
        } else if report.running == version, report.trial != version {
            target.state = Target.applied
        } else if let running = report.running.flatMap(ReleaseVersion.init), running > wanted {
            target.state = Target.noAnswer
            target.detail = "a newer release reached it first"
        }
    }
}
