/// A gateway's remote configuration as the hub sends it (fleet management): the overlay's TOML
/// text (what to read and how to keep it; `RemoteOverlay` on the agent), its version, and how
/// long the agent tries it before going back to the last one that worked. Sent as a
/// `SignedHubDocument`, retained and QoS 1 on the gateway's config topic, so a gateway that is
/// offline gets it when it reconnects:
/// `{"gateway":"gw-1","issued_at":…,"toml":"…","trial_s":600,"version":3}`.
///
/// An agent refuses one for another gateway, and one older than what it runs (a replay).
package struct ConfigurationDocument: Codable, Sendable, Hashable {
    /// The gateway it is for.
    package var gateway: String
    /// The version: 1, 2, 3… per gateway, never reused.
    package var version: Int64
    /// When the hub accepted it, ns since the epoch (hub time).
    package var issuedAt: Int64
    /// The overlay, TOML: the tables of `agent.toml` that say what to read and how to keep it.
    /// Empty: `agent.toml` alone.
    package var toml: String
    /// Seconds the agent has, after applying it, to get a batch acknowledged and read every
    /// source at least once; otherwise it goes back to the last configuration that worked.
    package var trialSeconds: Int64

    /// The trial unless a push says otherwise: ten minutes.
    package static let defaultTrialSeconds: Int64 = 600
    /// The trials a push may ask for: long enough for a batch to go and come back, short enough
    /// that a broken gateway is not left broken for a day.
    package static let trialRange: ClosedRange<Int64> = 5...86_400

    enum CodingKeys: String, CodingKey {
        case gateway, version, toml
        case issuedAt = "issued_at"
        case trialSeconds = "trial_s"
    }

    /// A document for `gateway`.
    package init(
        gateway: String, version: Int64, issuedAt: Int64, toml: String, trialSeconds: Int64 = Self.defaultTrialSeconds
    ) {
        (self.gateway, self.version, self.issuedAt, self.toml) = (gateway, version, issuedAt, toml)
        self.trialSeconds = trialSeconds
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gateway = try container.decode(String.self, forKey: .gateway)
        version = try container.decode(Int64.self, forKey: .version)
        issuedAt = try container.decode(Int64.self, forKey: .issuedAt)
        toml = try container.decode(String.self, forKey: .toml)
        trialSeconds = try container.decode(Int64.self, forKey: .trialSeconds)
        guard version >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "below 1")
        }
        guard TimeWindow.contains(issuedAt) else {
            throw DecodingError.dataCorruptedError(
                forKey: .issuedAt, in: container, debugDescription: "outside \(TimeWindow.text)")
        }
        guard Self.trialRange.contains(trialSeconds) else {
            throw DecodingError.dataCorruptedError(
                forKey: .trialSeconds, in: container,
                debugDescription: "outside \(Self.trialRange.lowerBound)-\(Self.trialRange.upperBound) s")
        }
    }
}

/// Where a gateway stands with its remote configuration, in its status document: what it runs,
/// what it tries, and the last version it would not keep and why.
package struct RemoteConfigurationStatus: Codable, Sendable, Hashable {
    /// The version it runs; 0 for `agent.toml` alone.
    package var applied: Int64
    /// A version on trial: applied, not yet confirmed.
    package var trial: Int64?
    /// The last version it refused or rolled back.
    package var failed: Int64?
    /// `refused` (never applied) or `rolled_back`.
    package var outcome: String?
    /// Why, in words an operator can act on.
    package var reason: String?
    /// Why the last document that could not be opened (a bad signature, another gateway's, an
    /// old one) was refused.
    package var refusal: String?

    /// The outcomes.
    package static let refused = "refused"
    package static let rolledBack = "rolled_back"

    package init(
        applied: Int64, trial: Int64? = nil, failed: Int64? = nil, outcome: String? = nil, reason: String? = nil,
        refusal: String? = nil
    ) {
        (self.applied, self.trial, self.failed, self.outcome) = (applied, trial, failed, outcome)
        (self.reason, self.refusal) = (reason, refusal)
    }
}
