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

    /// A hub without a fleet key asked to sign something for gateways (`doing`: "configurations").
    static func noFleetKey(_ doing: String) -> APIError {
        APIError(
            .conflict, "no_fleet_key",
            "this hub has no [broker] fleet_key in hub.toml, so it cannot sign \(doing) for gateways; set it to the fleet-key.pem that `outpostctl broker-config` wrote (docs/fleet.md, \"Before you start\")"
        )
    }
}

/// Reading request bodies and query parameters, with errors that say which field is wrong.
enum RequestInput {
    /// Whether the request says its body is JSON (`application/json`, any parameters).
    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType] else { return false }
        return type.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
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
