extension API {
    /// A rollout: one configuration, or one release, to many gateways, a few first.
    package struct RolloutDocument: Encodable, Sendable {
        package var id, createdAt: Int64
        package var author, note, toml: String
        /// The release version sent; null for a configuration.
        package var release: String?
        package var trialSeconds: Int64
        package var canary: Int
        package var haltShare: Double
        package var selector, state, reason: String
        package var targets: [Target]
        enum CodingKeys: String, CodingKey {
            case id, author, note, toml, release, canary, selector, state, reason, targets
            case createdAt = "created_at", trialSeconds = "trial_s", haltShare = "halt_share"
        }

        /// One gateway of it.
        package struct Target: Encodable, Sendable {
            package var gateway: String
            package var version, pushedAt: Int64?
            package var state, detail: String
            enum CodingKeys: String, CodingKey { case gateway, version, state, detail, pushedAt = "pushed_at" }
        }

        package init(_ rollout: Rollout) {
            (id, createdAt, author, note, toml) = (
                rollout.id, rollout.createdAt, rollout.author, rollout.note, rollout.toml
            )
            (trialSeconds, canary, haltShare, selector) = (
                rollout.trialSeconds, rollout.canary, rollout.haltShare, rollout.selector
            )
            (state, reason, release) = (rollout.state, rollout.reason, rollout.release)
            targets = rollout.targets.map {
                Target(
                    gateway: $0.gateway, version: $0.version, pushedAt: $0.pushedAt, state: $0.state, detail: $0.detail)
            }
        }

        static var examples: [Self] {
            let rollout = Rollout(
                id: 4, createdAt: 1, author: "duty", note: "poll faster", toml: "", trialSeconds: 600, canary: 1,
                haltShare: 0.2, selector: "label site=north", state: Rollout.halted,
                reason: "1 of 2 gateways failed (more than 20 %): gw-2",
                targets: [
                    .init(gateway: "gw-1", version: 3, pushedAt: 2, state: Rollout.Target.applied),
                    .init(
                        gateway: "gw-2", version: 5, pushedAt: 3, state: Rollout.Target.failed, detail: "rolled_back: …"
                    ),
                    .init(gateway: "gw-3", state: Rollout.Target.skipped),
                ])
            return [Self(rollout)]
        }
    }

    /// `POST /api/v1/rollouts`, `GET /api/v1/rollouts/{id}`, `POST …/halt`.
    package struct RolloutAnswer: APIDocument {
        package static let schema = "RolloutAnswer"
        package var rollout: RolloutDocument
        package static var examples: [Self] { RolloutDocument.examples.map { Self(rollout: $0) } }
    }

    /// `GET /api/v1/rollouts`: newest first.
    package struct RolloutList: APIDocument {
        package static let schema = "RolloutList"
        package var rollouts: [RolloutDocument]
        package static var examples: [Self] { [Self(rollouts: RolloutDocument.examples), Self(rollouts: [])] }
    }

    /// `PUT /api/v1/gateways/{gateway}/labels`.
    package struct GatewayLabels: APIDocument {
        package static let schema = "GatewayLabels"
        package var gateway: String
        package var labels: [String: String]
        package static var examples: [Self] { [Self(gateway: "gw-1", labels: ["site": "north"])] }
    }

    /// A rollout to start: `{"toml": "..." | "release": "0.2.0", "label": "site=north" |
    /// "gateways": [...], "canary": 1, "halt_share": 0.2, "trial_s": 600, "note": "..."}`.
    package struct NewRollout: Decodable, Sendable {
        package var toml: String?
        package var release: String?
        package var label: String?
        package var gateways: [String]?
        package var canary: Int?
        package var haltShare: Double?
        package var trialSeconds: Int64?
        package var note: String?
        enum CodingKeys: String, CodingKey {
            case toml, release, label, gateways, canary, note, haltShare = "halt_share", trialSeconds = "trial_s"
        }
    }

    /// Labels to set: `{"labels": {"site": "north"}}`.
    package struct LabelsRequest: Decodable, Sendable {
        package var labels: [String: String]
    }
}
