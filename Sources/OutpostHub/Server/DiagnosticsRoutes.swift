import Hummingbird
import OutpostWire

/// Remote diagnostics: operators ask a gateway to probe a device or report its errors, outbox,
/// clock or configuration; everyone who may see the gateway reads the answers.
struct DiagnosticsRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/gateways/{gateway}/diagnostics", .role(.viewer)) { request, context in
            let id = try RequestInput.path(context, "gateway")
            let limit = try RequestInput.int(request, "limit", default: 20, 1...200)
            let now = services.clock()
            let list = try await services.store.diagnostics(gateway: id, openAt: nil, limit: limit)
            return JSONResponse.ok(API.DiagnosticList(diagnostics: list.map { API.Diagnostic($0, now: now) }))
        }
        routes.add(.post, "/api/v1/gateways/{gateway}/diagnostics", .role(.operator)) { request, context in
            try await ask(request, context)
        }
    }

    private func ask(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        guard let desk = services.diagnostics else { throw APIError.noFleetKey("diagnostic requests") }
        let id = try RequestInput.path(context, "gateway")
        guard let gateway = try await services.store.gateway(id), gateway.enrolled, gateway.revokedAt == nil else {
            throw APIError.notFound("no enrolled gateway '\(id)'")
        }
        let body = try await RequestInput.decode(API.DiagnosticRequest.self, from: request)
        guard DiagnosticRequests.kinds.contains(body.kind) else {
            throw APIError.badRequest(
                "bad_kind", "\"kind\" is one of \(DiagnosticRequests.kinds.joined(separator: ", ")), not '\(body.kind)'"
            )
        }
        if body.kind == "probe" {
            guard let device = body.device, !device.isEmpty, device.utf8.count <= 64 else {
                throw APIError.badRequest("missing_field", "a probe names the configured device: give \"device\"")
            }
        }
        let lifetime = body.expiresIn ?? DiagnosticsDesk.defaultLifetime
        guard DiagnosticsDesk.lifetimes.contains(lifetime) else {
            throw APIError.badRequest("bad_field", "\"expires_in_s\" is 10 s to 30 days, not \(lifetime)")
        }
        let person = context.identity?.name ?? "?"
        let (stored, _) = try await desk.request(
            gateway: id, kind: body.kind, device: body.kind == "probe" ? body.device : nil, lifetime: lifetime,
            by: person)
        await services.audit(
            context, "diagnostics.request", id,
            body.kind + (stored.device.map { " \($0)" } ?? "") + ", request \(stored.id)")
        return JSONResponse.make(.created, API.Diagnostic(stored, now: services.clock()))
    }
}
