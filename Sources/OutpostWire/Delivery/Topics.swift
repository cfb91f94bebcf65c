/// The MQTT topics of one gateway (ARCHITECTURE.md, "Delivery").
package struct GatewayTopics: Sendable, Hashable {
    /// The gateway id.
    package let gateway: String

    /// Creates the topics of `gateway`.
    package init(gateway: String) { self.gateway = gateway }

    /// Batch frames, QoS 1, agent → hub.
    package var batch: String { topic(.batch) }
    /// Acknowledgements, QoS 1, hub → agent, published only after the hub committed.
    package var ack: String { topic(.ack) }
    /// Retained health JSON; the last will says offline.
    package var status: String { topic(.status) }
    /// Latest values, QoS 0, for the live view; never the system of record.
    package var live: String { topic(.live) }
    /// The hub's retained `WatchDocument`, signed: whether to publish live values.
    package var watch: String { topic(.watch) }
    /// The hub's retained `ConfigurationDocument`, signed: the gateway's remote configuration.
    package var config: String { topic(.config) }
    /// The hub's retained `DiagnosticRequests`, signed: what it asks the gateway to look at.
    package var diagnose: String { topic(.diagnose) }
    /// The gateway's `DiagnosticAnswer`s, signed with its key, QoS 1.
    package var diagnosis: String { topic(.diagnosis) }
    /// The hub's retained `ReleaseOffer`, signed: the release to update to.
    package var release: String { topic(.release) }
    /// The gateway's `ReleaseRequest`s for the next bytes of a release, QoS 1.
    package var releaseGet: String { topic(.releaseGet) }
    /// The hub's `ReleaseChunk`s, QoS 1.
    package var releaseChunk: String { topic(.releaseChunk) }

    /// The hub's subscription to every gateway's batches.
    package static let allBatches = "outpost/v1/+/batch"
    /// The hub's subscription to every gateway's status.
    package static let allStatus = "outpost/v1/+/status"
    /// The hub's subscription to every gateway's live values.
    package static let allLive = "outpost/v1/+/live"
    /// The hub's subscription to every gateway's diagnostic answers.
    package static let allDiagnoses = "outpost/v1/+/diagnosis"
    /// The hub's subscription to every gateway's requests for release bytes.
    package static let allReleaseRequests = "outpost/v1/+/release-get"
    /// A hub replica's subscription to every acknowledgement, its own and the other replicas'.
    package static let allAcks = "outpost/v1/+/ack"

    /// What a gateway topic carries: its last level.
    package enum Kind: String, Sendable, CaseIterable {
        /// Batch frames (`BatchFrame`), agent → hub.
        case batch
        /// Acknowledgements (`Acknowledgement`), hub → agent.
        case ack
        /// The agent's health (`StatusDocument`), retained; the last will says offline.
        case status
        /// Latest values (`LiveDocument`) for the live view.
        case live
        /// Whether someone watches (`WatchDocument` in a `SignedHubDocument`), hub → agent, retained.
        case watch
        /// The remote configuration (`ConfigurationDocument` in a `SignedHubDocument`), hub →
        /// agent, retained.
        case config
        /// Diagnostic requests (`DiagnosticRequests`, signed), hub → agent, retained.
        case diagnose
        /// Diagnostic answers (`DiagnosticAnswer`, signed by the gateway), agent → hub.
        case diagnosis
        /// The release to update to (`ReleaseOffer`, signed), hub → agent, retained.
        case release
        /// Requests for a release's bytes (`ReleaseRequest`), agent → hub.
        case releaseGet = "release-get"
        /// A release's bytes (`ReleaseChunk`), hub → agent.
        case releaseChunk = "release-chunk"
    }

    /// The gateway id and the kind of a topic of the form `outpost/v1/{gateway}/{kind}`; nil for
    /// other topics, and for a kind this version does not know.
    package static func parse(_ topic: String) -> (gateway: String, kind: Kind)? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "outpost", parts[1] == "v1", !parts[2].isEmpty,
            let kind = Kind(rawValue: String(parts[3]))
        else { return nil }
        return (String(parts[2]), kind)
    }

    /// The gateway id in a gateway topic; nil for other topics.
    package static func gateway(of topic: String) -> String? { parse(topic)?.gateway }

    /// The topic of `kind`.
    package func topic(_ kind: Kind) -> String { "outpost/v1/\(gateway)/\(kind.rawValue)" }
}
