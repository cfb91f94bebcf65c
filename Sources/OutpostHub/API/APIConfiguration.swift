import OutpostConfig
import OutpostWire

extension API {
    /// One version of a gateway's remote configuration.
    package struct ConfigurationVersion: APIDocument {
        package static let schema = "ConfigurationVersion"
        package var gateway: String
        package var version: Int64
        package var toml: String
        package var trialSeconds: Int64
        package var createdAt: Int64
        package var author, note: String
        enum CodingKeys: String, CodingKey {
            case gateway, version, toml, author, note, trialSeconds = "trial_s", createdAt = "created_at"
        }

        package init(_ stored: StoredConfiguration) {
            (gateway, version, toml, trialSeconds) = (stored.gateway, stored.version, stored.toml, stored.trialSeconds)
            (createdAt, author, note) = (stored.createdAt, stored.author, stored.note)
        }

        static let example = StoredConfiguration(
            gateway: "gw-1", version: 2, toml: "[buffer]\nquota = \"64MB\"\n", trialSeconds: 600, createdAt: 1,
            author: "duty", note: "a larger outbox")
        package static var examples: [Self] { [Self(example)] }
    }

    /// `GET /api/v1/gateways/{gateway}/config`: the desired version, where the gateway stands,
    /// and every version (newest first, without their text).
    package struct GatewayConfiguration: APIDocument {
        package static let schema = "GatewayConfiguration"
        package var gateway: String
        /// `none` (nothing pushed), `pending` (not taken yet), `trial`, `applied`, `rolled_back`,
        /// `refused`.
        package var state: String
        package var desired: ConfigurationVersion?
        /// What the gateway last reported; null before it reported any.
        package var applied: Int64?
        package var trial, failed: Int64?
        package var outcome, reason, refusal: String?
        package var versions: [Summary]
        enum CodingKeys: String, CodingKey {
            case gateway, state, desired, applied, trial, failed, outcome, reason, refusal, versions
        }

        /// A version without its text.
        package struct Summary: Encodable, Sendable {
            package var version: Int64
            package var createdAt: Int64
            package var author, note: String
            enum CodingKeys: String, CodingKey { case version, author, note, createdAt = "created_at" }
        }

        package init(gateway: String, versions: [StoredConfiguration], report: RemoteConfigurationStatus?) {
            self.gateway = gateway
            desired = versions.first.map(ConfigurationVersion.init)
            (applied, trial, failed) = (report?.applied, report?.trial, report?.failed)
            (outcome, reason, refusal) = (report?.outcome, report?.reason, report?.refusal)
            self.versions = versions.map {
                Summary(version: $0.version, createdAt: $0.createdAt, author: $0.author, note: $0.note)
            }
            state = Self.state(desired: desired?.version, report: report)
        }

        static func state(desired: Int64?, report: RemoteConfigurationStatus?) -> String {
            guard let desired else { return "none" }
            guard let report else { return "pending" }
            if report.failed == desired { return report.outcome ?? "refused" }
            if report.trial == desired { return "trial" }
            if report.applied == desired { return "applied" }
            return "pending"
        }

        package static var examples: [Self] {
            let failed = RemoteConfigurationStatus(
                applied: 1, failed: 2, outcome: "rolled_back", reason: "source modbus.meter failed in every poll",
                refusal: "a configuration for gateway 'gw-2', not this one, was refused")
            return [
                Self(gateway: "gw-1", versions: [ConfigurationVersion.example], report: failed),
                Self(gateway: "gw-2", versions: [], report: nil),
            ]
        }
    }

    /// `PUT /api/v1/gateways/{gateway}/config`: stored as `version`; `delivered` when the broker
    /// took it now (otherwise it goes out when the hub reaches the broker again).
    package struct ConfigurationPushed: APIDocument {
        package static let schema = "ConfigurationPushed"
        package var gateway: String
        package var version: Int64
        package var delivered: Bool
        package static var examples: [Self] { [Self(gateway: "gw-1", version: 3, delivered: true)] }
    }

    /// A configuration that does not pass the agent's check (422), or `POST …/config/check`'s
    /// answer: every problem with its line and key.
    package struct ConfigurationCheck: APIDocument {
        package static let schema = "ConfigurationCheck"
        package var ok: Bool
        package var problems: [Problem]

        /// One problem, as `outpost-agent check` prints it, and in parts.
        package struct Problem: Encodable, Sendable {
            package var line: Int?
            package var key, message, text: String
        }

        package init(_ problems: [ConfigError]) {
            ok = problems.isEmpty
            self.problems = problems.map {
                Problem(line: $0.line, key: $0.path, message: $0.message, text: $0.description)
            }
        }

        package static var examples: [Self] {
            [
                Self([]),
                Self([
                    ConfigError(
                        file: "gw-1 configuration", line: 4, path: "modbus[0].intervall",
                        message: "unknown key 'intervall' (did you mean 'interval'?)"),
                    ConfigError(file: "gw-1 configuration", line: nil, path: "", message: "not valid TOML"),
                ]),
            ]
        }
    }

    /// `GET /api/v1/gateways/{gateway}/config/diff?from=&to=`: unified diff, `from` to `to`.
    package struct ConfigurationDiff: APIDocument {
        package static let schema = "ConfigurationDiff"
        package var gateway: String
        package var from, to: Int64
        package var diff: String
        package static var examples: [Self] {
            [Self(gateway: "gw-1", from: 1, to: 2, diff: "--- v1\n+++ v2\n@@ -1,1 +1,1 @@\n-a\n+b\n")]
        }
    }

    /// An operator action, as the audit log keeps it.
    package struct AuditRecord: Encodable, Sendable {
        package var id, at: Int64
        package var actor, source, action, target, detail: String
        package init(_ entry: AuditEntry) {
            (id, at, actor, source) = (entry.id, entry.at, entry.actor, entry.source)
            (action, target, detail) = (entry.action, entry.target, entry.detail)
        }
    }

    /// `GET /api/v1/audit`: newest first; `next_before` continues the list.
    package struct AuditPage: APIDocument {
        package static let schema = "AuditPage"
        package var entries: [AuditRecord]
        @OmittedWhenNil package var nextBefore: Int64?
        enum CodingKeys: String, CodingKey { case entries, nextBefore = "next_before" }
        package static var examples: [Self] {
            let entry = AuditEntry(
                id: 7, at: 1, actor: "duty", source: "10.0.0.7", action: "config.push", target: "gw-1",
                detail: "v3: a larger outbox")
            return [Self(entries: [AuditRecord(entry)], nextBefore: 7), Self(entries: [], nextBefore: nil)]
        }
    }
}
