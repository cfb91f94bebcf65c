import Foundation
import Hummingbird

/// The bodies the API takes, one `Decodable` type per operation, with the keys `openapi.yaml`
/// gives its `requestBody`. `RequestInput.decode` reads them and turns a decoding failure into
/// the API's error naming the field.
extension API {
    /// `POST /api/v1/session`.
    package struct Login: Decodable, Sendable {
        package var name: String
        package var password: String
    }

    /// `POST /api/v1/users`.
    package struct NewUser: Decodable, Sendable {
        package var name: String
        package var role: RoleName?
        package var password: String
    }

    /// `PATCH /api/v1/users/{name}`.
    package struct UserChange: Decodable, Sendable {
        package var role: RoleName?
        package var password: String?
    }

    /// `POST /api/v1/tokens`.
    package struct NewToken: Decodable, Sendable {
        package var name: String
        package var role: RoleName?
    }

    /// `POST /api/v1/gateways`: a certificate (checked against the fleet CA) or a public key.
    package struct Enrolment: Decodable, Sendable {
        package var id: String
        package var certificate: String?
        package var publicKey: String?
        package var latitude: Double?
        package var longitude: Double?
        enum CodingKeys: String, CodingKey {
            case id, certificate, publicKey = "public_key", latitude, longitude
        }
    }

    /// `POST /api/v1/alerts/{id}/acknowledge`.
    /// A configuration to check or push: `{"toml": "...", "trial_s": 600, "note": "..."}`.
    package struct ConfigurationRequest: Decodable, Sendable {
        package var toml: String
        package var trialSeconds: Int64?
        package var note: String?
        enum CodingKeys: String, CodingKey { case toml, note, trialSeconds = "trial_s" }
    }

    package struct AlertNote: Decodable, Sendable {
        package var note: String?
    }

    /// A role as a request names it: any string, so that a wrong one is refused with its name.
    package struct RoleName: Decodable, Sendable {
        let text: String

        package init(from decoder: any Decoder) throws {
            text = try decoder.singleValueContainer().decode(String.self)
        }

        /// The role, or the API's error saying which roles there are.
        package func role(_ key: String = "role") throws -> Role {
            guard let role = Role(rawValue: text) else {
                throw APIError.badRequest("bad_role", "\"\(key)\" is viewer, operator or admin, not '\(text)'")
            }
            return role
        }
    }
}

extension RequestInput {
    /// The body (at most `limit` bytes; an empty one is `{}`) as `Body`, or the API's error: the
    /// field missing, of the wrong type, or a body that is no JSON object.
    static func decode<Body: Decodable>(
        _ type: Body.Type, from incoming: Request, limit: Int = 64 * 1024
    ) async throws -> Body {
        var request = incoming
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "too_large", "the body is at most \(limit) bytes")
        }
        let data = buffer.readableBytes > 0 ? Data(buffer: buffer) : Data("{}".utf8)
        do {
            return try JSONDecoder().decode(Body.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.badRequest("missing_field", "give \"\(key.stringValue)\"")
        } catch let DecodingError.valueNotFound(_, context) where !context.codingPath.isEmpty {
            throw APIError.badRequest(
                "missing_field", "give \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\"")
        } catch let DecodingError.typeMismatch(expected, context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("bad_field", "\"\(field)\" is \(Self.describe(expected))")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.badRequest("bad_field", "\"\(field)\" is not valid: \(context.debugDescription)")
        } catch let DecodingError.dataCorrupted(context) {
            // Not JSON at all, or a number no Double holds (1e400).
            throw APIError.badRequest(
                "bad_json", "the body is not a JSON object this hub can read: \(context.debugDescription.prefix(200))")
        } catch {
            throw APIError.badRequest("bad_json", "the body is not a JSON object")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Double.Type: "a number"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "of another type"
        }
    }

    /// `text`, which must not be empty.
    static func nonEmpty(_ text: String, _ key: String) throws -> String {
        guard !text.isEmpty else { throw APIError.badRequest("bad_field", "\"\(key)\" is a non-empty string") }
        return text
    }
}
