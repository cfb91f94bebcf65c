/// The hub's open diagnostic requests to one gateway (remote diagnostics): retained on its
/// diagnose topic as a `SignedHubDocument`, so a gateway offline now answers when it is back. The
/// hub publishes it again whenever a request is added, answered or expires.
/// `{"gateway":"gw-1","issued_at":…,"requests":[{"id":7,"kind":"probe","device":"meter","expires_at":…}]}`
package struct DiagnosticRequests: Codable, Sendable, Hashable {
    /// One request.
    package struct Request: Codable, Sendable, Hashable {
        /// The hub's id for it, unique across the hub.
        package var id: Int64
        /// What to run: one of `DiagnosticRequests.kinds`.
        package var kind: String
        /// For `probe`: the configured device to read.
        package var device: String?
        /// After this (hub time, ns) it is not answered.
        package var expiresAt: Int64

        enum CodingKeys: String, CodingKey {
            case id, kind, device
            case expiresAt = "expires_at"
        }

        package init(id: Int64, kind: String, device: String? = nil, expiresAt: Int64) {
            (self.id, self.kind, self.device, self.expiresAt) = (id, kind, device, expiresAt)
        }
    }

    /// What can be asked: a read of a configured device, the recent errors and log lines, the
    /// outbox and the clock, the configuration as applied. No shell, no file, nothing else.
    package static let kinds = ["probe", "errors", "outbox", "config"]

    package var gateway: String
    package var issuedAt: Int64
    package var requests: [Request]

    enum CodingKeys: String, CodingKey {
        case gateway, requests
        case issuedAt = "issued_at"
    }

    package init(gateway: String, issuedAt: Int64, requests: [Request]) {
        (self.gateway, self.issuedAt, self.requests) = (gateway, issuedAt, requests)
    }
}

/// A gateway's answer to one diagnostic request, signed with its own signing key (the key its
/// frames are signed with) in a `SignedHubDocument` envelope on its diagnosis topic.
package struct DiagnosticAnswer: Codable, Sendable, Hashable {
    package var gateway: String
    /// The request's id.
    package var request: Int64
    package var kind: String
    /// When it ran, the gateway's wall clock, ns.
    package var time: Int64
    /// Whether it could be done (a device that did not answer is `ok` with the failure in `text`;
    /// an unknown device is not).
    package var ok: Bool
    /// What it found, as the commands on site print it.
    package var text: String

    /// The longest text sent: what fits one signed document with room to spare.
    package static let maxText = 48 * 1024

    package init(gateway: String, request: Int64, kind: String, time: Int64, ok: Bool, text: String) {
        (self.gateway, self.request, self.kind, self.time, self.ok) = (gateway, request, kind, time, ok)
        self.text = Self.clipped(text)
    }

    /// `text` cut to its last `maxText` bytes (the end of a log is what matters).
    package static func clipped(_ text: String) -> String {
        text.utf8.count <= maxText ? text : String(decoding: text.utf8.suffix(maxText), as: UTF8.self)
    }
}
