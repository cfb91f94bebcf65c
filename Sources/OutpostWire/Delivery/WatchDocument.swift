/// The hub's word to a gateway that someone is watching it (a dashboard page open on it, a
/// live subscription): publish the latest values on the live topic until `until`, hub time.
/// Retained on the gateway's watch topic and renewed while watched, so an agent that
/// reconnects learns it at once, and one nobody watches any more stops by itself. Sent as a
/// `SignedHubDocument`: `{"catalog":7,"gateway":"gw-1","issued_at":…,"until":…}`.
package struct WatchDocument: Codable, Sendable, Hashable {
    /// The gateway it is for: an agent refuses one for another.
    package var gateway: String
    /// When the hub wrote it, ns since the epoch (hub time).
    package var issuedAt: Int64
    /// Live values until then, ns since the epoch (hub time).
    package var until: Int64
    /// The compact live catalog (`LiveFrame.catalogID`) the hub holds for this gateway; nil for
    /// none. An agent whose catalog differs sends its catalog with its next frame.
    package var catalog: UInt32?

    /// The longest an agent publishes on one document, whatever `until` says: a hub renews
    /// every `renewal`, and a document it forgot (a hub gone for good) costs at most this.
    package static let longest: Duration = .seconds(600)
    /// How far ahead the hub sets `until`, and how often it renews while watched.
    package static let span: Duration = .seconds(90)
    package static let renewal: Duration = .seconds(30)
    /// The soonest the hub sends again to a gateway whose live catalog it lacks.
    package static let prompt: Duration = .seconds(5)

    enum CodingKeys: String, CodingKey {
        case gateway, until, catalog
        case issuedAt = "issued_at"
    }

    /// A document for `gateway`, written at `issuedAt`, asking for live values until `until`.
    package init(gateway: String, issuedAt: Int64, until: Int64, catalog: UInt32? = nil) {
        (self.gateway, self.issuedAt, self.until, self.catalog) = (gateway, issuedAt, until, catalog)
    }

    /// A document for `gateway`, written at `issuedAt`, asking for live values for `span`
    /// (`WatchDocument.span`, what the hub sends).
    package init(gateway: String, issuedAt: Int64, lasting span: Duration = Self.span, catalog: UInt32? = nil) {
        let nanoseconds = span.components.seconds.multipliedSaturating(by: 1_000_000_000)
        self.init(gateway: gateway, issuedAt: issuedAt, until: issuedAt.addingSaturating(nanoseconds), catalog: catalog)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gateway = try container.decode(String.self, forKey: .gateway)
        issuedAt = try container.decode(Int64.self, forKey: .issuedAt)
        until = try container.decode(Int64.self, forKey: .until)
        catalog = try container.decodeIfPresent(UInt32.self, forKey: .catalog)
        for (key, time) in [(CodingKeys.issuedAt, issuedAt), (.until, until)] where !TimeWindow.contains(time) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container, debugDescription: "outside \(TimeWindow.text)")
        }
    }
}
