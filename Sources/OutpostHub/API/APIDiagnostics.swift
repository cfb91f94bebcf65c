extension API {
    /// A diagnostic request and, once the gateway answered, what it found.
    package struct Diagnostic: APIDocument {
        package static let schema = "Diagnostic"
        package var id: Int64
        package var gateway, kind: String
        package var device: String?
        package var requestedBy: String
        package var requestedAt, expiresAt: Int64
        /// `pending`, `answered` or `expired`.
        package var state: String
        package var answeredAt: Int64?
        package var ok: Bool?
        package var text: String?
        enum CodingKeys: String, CodingKey {
            case id, gateway, kind, device, state, ok, text
            case requestedBy = "requested_by", requestedAt = "requested_at", expiresAt = "expires_at"
            case answeredAt = "answered_at"
        }

        package init(_ stored: StoredDiagnostic, now: Int64) {
            (id, gateway, kind, device) = (stored.id, stored.gateway, stored.kind, stored.device)
            (requestedBy, requestedAt, expiresAt) = (stored.requestedBy, stored.requestedAt, stored.expiresAt)
            (state, answeredAt, ok, text) = (stored.state(at: now), stored.answeredAt, stored.ok, stored.answer)
        }

        package static var examples: [Self] {
            let pending = StoredDiagnostic(
                id: 3, gateway: "gw-1", kind: "probe", device: "meter", requestedBy: "duty", requestedAt: 1,
                expiresAt: 100)
            var answered = pending
            (answered.answeredAt, answered.ok, answered.answer, answered.device) = (2, true, "point  value\n", nil)
            return [Self(pending, now: 50), Self(answered, now: 50), Self(pending, now: 200)]
        }
    }

    /// `GET /api/v1/gateways/{gateway}/diagnostics`: newest first.
    package struct DiagnosticList: APIDocument {
        package static let schema = "DiagnosticList"
        package var diagnostics: [Diagnostic]
        package static var examples: [Self] { [Self(diagnostics: Diagnostic.examples), Self(diagnostics: [])] }
    }

    /// A diagnostic to ask for: `{"kind": "probe", "device": "meter", "expires_in_s": 3600}`.
    package struct DiagnosticRequest: Decodable, Sendable {
        package var kind: String
        package var device: String?
        package var expiresIn: Int64?
        enum CodingKeys: String, CodingKey { case kind, device, expiresIn = "expires_in_s" }
    }
}
