#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the hub publishes on a gateway's ack topic after it committed batches:
/// `{"sequences":[41,42],"hub_time":1790000000000000000}`. The agent deletes exactly these
/// batches from its outbox, and learns its clock offset from `hub_time`.
package struct Acknowledgement: Sendable, Hashable, Codable {
    /// The sequence numbers committed (a second copy of a batch is acknowledged again).
    package var sequences: [UInt64]
    /// The hub's wall clock when it acknowledged, nanoseconds since the epoch.
    package var hubTime: Int64

    enum CodingKeys: String, CodingKey {
        case sequences
        case hubTime = "hub_time"
    }

    /// Creates an acknowledgement.
    package init(sequences: [UInt64], hubTime: Int64) {
        self.sequences = sequences
        self.hubTime = hubTime
    }

    /// The JSON form.
    package func encoded() -> [UInt8] {
        Array("{\"sequences\":[\(sequences.map(String.init).joined(separator: ","))],\"hub_time\":\(hubTime)}".utf8)
    }

    /// Parses the JSON form; nil for anything else (at most 10,000 sequence numbers).
    package init?(json: [UInt8]) {
        guard json.count <= 256_000, let decoded = try? JSONDecoder().decode(Self.self, from: Data(json)) else {
            return nil
        }
        self = decoded
    }
}
