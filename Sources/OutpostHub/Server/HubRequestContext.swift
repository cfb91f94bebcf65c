import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: who is asking (set by `Authenticator`) and from where.
package struct HubRequestContext: RequestContext, WebSocketRequestContext {
    package var coreContext: CoreRequestContextStorage
    package let webSocket: WebSocketHandlerReference<HubRequestContext>
    /// The session's or token's identity; nil for an anonymous request.
    package var identity: Identity?
    /// The peer's address, for the login throttle and the logs.
    package let client: String

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        identity = nil
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// Finds who makes a request: the session cookie, else an `Authorization: Bearer` token. It
/// refuses nothing itself; each route says what it needs.
struct Authenticator: RouterMiddleware {
    typealias Context = HubRequestContext
    static let cookieName = "outpost_session"
    let accounts: Accounts

    func handle(
        _ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        do {
            context.identity = try await Self.identify(request, accounts: accounts)
        } catch {
            context.logger.error("could not check a session or token", metadata: ["error": "\(error)"])
            return JSONResponse.storeUnavailable("check the session")
        }
        return try await next(request, context)
    }

    /// Who `request` speaks for now: its bearer token, else its session cookie; nil when
    /// neither is (or is no longer) valid. The WebSocket asks again while it stays open.
    static func identify(_ request: Request, accounts: Accounts) async throws -> Identity? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            return try await accounts.identify(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        // An API token as the password of basic authentication, for clients that know no other
        // (promtool, a Grafana data source set to basic auth); the user name is not looked at.
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("basic ") {
            let encoded = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
            guard let decoded = Data(base64Encoded: encoded), let colon = decoded.firstIndex(of: 0x3A) else {
                return nil
            }
            return try await accounts.identify(token: String(decoding: decoded[(colon + 1)...], as: UTF8.self))
        }
        if let cookie = Self.cookie(request) { return try await accounts.identify(cookie: cookie) }
        return nil
    }

    /// The session cookie's value, if the request carries one.
    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces)
                if pair.hasPrefix(cookieName + "=") { return String(pair.dropFirst(cookieName.count + 1)) }
            }
        }
        return nil
    }
}

/// Headers every answer carries: browsers never guess a type other than the one sent (a CSV
/// export or a JSON error is never run as a script or rendered as a page), and pages are not
/// framed or told where the user came from.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            var response = try await next(request, context)
            Self.add(to: &response.headers)
            return response
        } catch let error as HTTPResponseError {
            var response = try error.response(from: request, context: context)
            Self.add(to: &response.headers)
            return response
        }
    }

    private static let fields: [(HTTPField.Name?, String)] = [
        (HTTPField.Name("X-Content-Type-Options"), "nosniff"), (HTTPField.Name("Referrer-Policy"), "same-origin"),
        (HTTPField.Name("X-Frame-Options"), "DENY"),
    ]

    static func add(to headers: inout HTTPFields) {
        for case (let name?, let value) in fields where headers[name] == nil { headers[name] = value }
    }
}

/// Unknown routes and thrown HTTP errors under `/api/` get the API's JSON error body.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext

    func handle(
        _ request: Request, context: HubRequestContext, next: (Request, HubRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where request.uri.path.hasPrefix("/api/") {
            let code = error.status == .notFound ? "not_found" : "http_\(error.status.code)"
            let message =
                error.status == .notFound
                ? "no route \(request.method) \(request.uri.path); the API is described at /api/v1/openapi.yaml"
                : (error.body ?? error.status.reasonPhrase)
            return JSONResponse.error(error.status, code, message)
        }
    }
}
