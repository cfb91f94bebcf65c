import Foundation
import HTTPTypes
import Hummingbird

/// Who may use a route.
package enum Access: Sendable, Hashable {
    /// Anyone: login, health, signed ingest, static assets.
    case open
    /// Any signed-in user or token of at least this role.
    case role(Role)
}

/// One route as registered: what the OpenAPI document must describe.
package struct RouteRecord: Sendable, Hashable {
    /// `GET`, `POST`, …
    package var method: String
    /// The path, with parameters as `{name}` (OpenAPI's form).
    package var path: String
    /// Who may use it.
    package var access: Access
}

/// The one place routes are added: each is registered with its access rule (checked before the
/// handler runs, with CSRF for cookie sessions), timed for `/metrics`, and recorded, so the test
/// of the OpenAPI document compares it with what really exists.
final class HubRoutes {
    let router: Router<HubRequestContext>
    let metrics: HubMetrics
    private(set) var records: [RouteRecord] = []

    init(router: Router<HubRequestContext>, metrics: HubMetrics) {
        self.router = router
        self.metrics = metrics
    }

    typealias Handler = @Sendable (Request, HubRequestContext) async throws -> Response

    /// Adds a route; `page` routes answer an anonymous browser with a redirect to the login page.
    func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access, page: Bool = false,
        _ handler: @escaping Handler
    ) {
        record(method, path, access)
        let metrics = metrics
        let label = path
        router.on(RouterPath(Self.hummingbirdPath(path)), method: method) { request, context in
            if let refusal = Self.refusal(access, request, context, page: page) { return refusal }
            let start = ContinuousClock.now
            let response: Response
            do {
                response = try await handler(request, context)
            } catch let error as APIError {
                response = JSONResponse.error(error.status, error.code, error.message)
            } catch let error as HTTPError {
                throw error
            } catch {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                response = JSONResponse.storeUnavailable("answer")
            }
            metrics.request(
                route: label, method: method.rawValue, status: response.status.code, took: ContinuousClock.now - start)
            return response
        }
    }

    /// Records a route registered elsewhere (the WebSocket upgrade).
    func record(_ method: HTTPRequest.Method, _ path: String, _ access: Access) {
        records.append(RouteRecord(method: method.rawValue, path: path, access: access))
    }

    /// `/a/{b}` → `/a/:b`.
    static func hummingbirdPath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix("{") && part.hasSuffix("}") ? ":" + part.dropFirst().dropLast() : String(part)
        }.joined(separator: "/")
    }

    /// Why the request may not go on, or nil when it may.
    static func refusal(_ access: Access, _ request: Request, _ context: HubRequestContext, page: Bool) -> Response? {
        guard case .role(let needed) = access else { return nil }
        guard let identity = context.identity else {
            if page {
                let next = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return Response(
                    status: .seeOther,
                    headers: [
                        .location: "/login?next="
                            + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
                    ])
            }
            return JSONResponse.error(
                .unauthorized, "unauthenticated", "log in, or send an API token as 'Authorization: Bearer <token>'")
        }
        guard identity.role >= needed else {
            return JSONResponse.error(
                .forbidden, "forbidden",
                "this needs the \(needed.rawValue) role; '\(identity.name)' is \(article(identity.role)) \(identity.role.rawValue)"
            )
        }
        if case .session(let csrf) = identity.means, request.method != .get, request.method != .head,
            !constantTimeEqual(csrfHeader.flatMap({ request.headers[$0] }) ?? "", csrf)
        {
            return JSONResponse.error(
                .forbidden, "csrf", "a change made with a session cookie must carry its X-CSRF-Token header")
        }
        return nil
    }

    static let csrfHeader = HTTPField.Name("X-CSRF-Token")

    private static func article(_ role: Role) -> String { role == .admin || role == .operator ? "an" : "a" }
}

/// Whether two secrets are equal, in a time that depends on their lengths only: a comparison
/// that stops at the first difference tells an attacker how much of a guess was right.
func constantTimeEqual(_ left: String, _ right: String) -> Bool {
    let a = Array(left.utf8)
    let b = Array(right.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
