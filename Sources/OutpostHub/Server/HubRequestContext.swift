import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The request context of every route: who is asking (set by `Authenticator`) and from where.
public struct HubRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<HubRequestContext>
    /// The session's or token's identity; nil for an anonymous request.
    public var identity: Identity?
    /// The peer's address, for the login throttle and the logs.
    public let client: String

    public init(source: ApplicationRequestContextSource) {
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
            if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
                context.identity = try accounts.identify(token: String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
            } else if let cookie = Self.cookie(request) {
                context.identity = try accounts.identify(cookie: cookie)
            }
        } catch {
            return JSONResponse.error(.serviceUnavailable, "store_unavailable", "could not check the session: \(error)")
        }
        return try await next(request, context)
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
