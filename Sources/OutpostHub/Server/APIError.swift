import Foundation
import Hummingbird
import OutpostWire

/// A request the API refuses: thrown by a handler, answered as the JSON error body.
struct APIError: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    static func badRequest(_ code: String, _ message: String) -> APIError { APIError(.badRequest, code, message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
}

/// Reading request bodies and query parameters, with errors that say which field is wrong.
enum RequestInput {
    /// The body as a JSON object (at most `limit` bytes).
    static func object(_ incoming: Request, limit: Int = 64 * 1024) async throws -> [String: Any] {
        var request = incoming
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, "too_large", "the body is at most \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw APIError.badRequest("bad_json", "the body is not a JSON object")
        }
        return object
    }

    /// Whether the request says its body is JSON (`application/json`, any parameters).
    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType] else { return false }
        return type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    /// A string field of a JSON object; `required` ones must be present and non-empty.
    static func string(_ object: [String: Any], _ key: String, required: Bool = true) throws -> String? {
        guard let value = object[key], !(value is NSNull) else {
            if required { throw APIError.badRequest("missing_field", "give \"\(key)\"") }
            return nil
        }
        guard let text = value as? String, !(required && text.isEmpty) else {
            throw APIError.badRequest("bad_field", "\"\(key)\" is a non-empty string")
        }
        return text
    }

    /// A role field.
    static func role(_ object: [String: Any], _ key: String = "role", required: Bool = true) throws -> Role? {
        guard let text = try string(object, key, required: required) else { return nil }
        guard let role = Role(rawValue: text) else {
            throw APIError.badRequest("bad_role", "\"\(key)\" is viewer, operator or admin, not '\(text)'")
        }
        return role
    }

    /// An integer query parameter within `range`.
    static func int(_ request: Request, _ key: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
        guard let text = request.uri.queryParameters.get(key) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError.badRequest(
                "bad_parameter", "\(key)= is a whole number in \(range.lowerBound)-\(range.upperBound)")
        }
        return number
    }

    /// A path parameter.
    static func path(_ context: HubRequestContext, _ key: String) throws -> String {
        guard let value = context.parameters.get(key), !value.isEmpty else {
            throw APIError.badRequest("bad_path", "the path needs a \(key)")
        }
        return value
    }

    /// A from/to pair of query parameters (defaults: the last hour), cut to `TimeWindow`: a range
    /// reaching past 1970 or 2200 is answered for the part inside, one wholly outside is refused.
    static func range(_ request: Request, now: Int64, defaultFrom: String = "now-1h") throws -> ClosedRange<Int64> {
        let query = request.uri.queryParameters
        guard let from = TimeArgument.parse(query.get("from") ?? defaultFrom, now: now),
            let to = TimeArgument.parse(query.get("to") ?? "now", now: now), from <= to
        else {
            throw APIError.badRequest(
                "bad_time", "from= and to= take now, now-24h, RFC 3339 or ns since the epoch; from <= to")
        }
        guard let range = TimeWindow.clamp(from...to) else {
            throw APIError.badRequest(
                "bad_time", "from= \(from) and to= \(to) lie outside the times readings can have (\(TimeWindow.text))")
        }
        return range
    }
}
