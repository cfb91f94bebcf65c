/// Why the hub refused something a gateway sent (a frame, a status or live document): a stable,
/// low-cardinality code for counters, metrics labels, the refusals table and the API. The
/// message beside it is for people; decisions are taken on the code, never on the message.
package struct RefusalCode: Hashable, Sendable, CustomStringConvertible {
    /// The code as written in metrics, the store and the API: `crc_mismatch`.
    package let rawValue: String

    private init(_ rawValue: String) { self.rawValue = rawValue }

    /// The frame ends early.
    package static let truncated = RefusalCode("truncated")
    /// Not an Outpost frame.
    package static let badMagic = RefusalCode("bad_magic")
    /// A frame format this hub does not read.
    package static let unknownVersion = RefusalCode("unknown_version")
    /// The frame was damaged in transit or storage.
    package static let crcMismatch = RefusalCode("crc_mismatch")
    /// The signature does not verify against the gateway's enrolled key.
    package static let badSignature = RefusalCode("bad_signature")
    /// The sender is not enrolled.
    package static let unknownGateway = RefusalCode("unknown_gateway")
    /// The sender was revoked.
    package static let revokedGateway = RefusalCode("revoked_gateway")
    /// A count or size beyond `FrameLimits`.
    package static let limitExceeded = RefusalCode("limit_exceeded")
    /// A field that does not decode.
    package static let malformed = RefusalCode("malformed")
    /// A JSON frame that does not parse.
    package static let invalidJSON = RefusalCode("invalid_json")
    /// A time no reading can have (outside `TimeWindow`).
    package static let implausibleTime = RefusalCode("implausible_time")
    /// A chunk that does not decode when the frame is applied.
    package static let undecodableChunk = RefusalCode("undecodable_chunk")
    /// A frame published on another gateway's topic.
    package static let topicMismatch = RefusalCode("topic_mismatch")
    /// A status document that is not the agent's (`StatusDocument`).
    package static let badStatus = RefusalCode("bad_status")
    /// A live document that is not the agent's (`LiveDocument`).
    package static let badLive = RefusalCode("bad_live")

    package var description: String { rawValue }
}
