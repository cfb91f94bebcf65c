import Foundation
import Hummingbird

/// Alerts: list and filter (paged by id), one alert, acknowledge with a note (operators).
struct AlertRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/alerts", .role(.viewer)) { request, _ in try await list(request) }
        routes.add(.get, "/api/v1/alerts/{id}", .role(.viewer)) { _, context in
            let id = try Self.id(context)
            guard let alert = try await services.store.alert(id) else { throw APIError.notFound("no alert \(id)") }
            return JSONResponse.ok(API.AlertAnswer(alert: API.Alert(alert)))
        }
        routes.add(.post, "/api/v1/alerts/{id}/acknowledge", .role(.operator)) { request, context in
            try await acknowledge(request, context)
        }
    }

    private static func id(_ context: HubRequestContext) throws -> Int64 {
        guard let id = Int64(try RequestInput.path(context, "id")) else {
            throw APIError.badRequest("bad_id", "an alert id is a number")
        }
        return id
    }

    /// `GET /api/v1/alerts?state=open|firing|acknowledged|resolved|all&gateway=&series=&kind=
    /// &from=&to=&limit=&before=`: newest first; `next_before` continues the list.
    private func list(_ request: Request) async throws -> Response {
        let parameters = request.uri.queryParameters
        let wanted = parameters.get("state") ?? "open"
        let states: Set<Alert.State>
        switch wanted {
        case "open": states = [.firing, .acknowledged]
        case "all": states = Set(Alert.State.allCases)
        default:
            guard let state = Alert.State(rawValue: wanted) else {
                throw APIError.badRequest("bad_state", "state= is open, firing, acknowledged, resolved or all")
            }
            states = [state]
        }
        var query = AlertQuery(states: states, limit: try RequestInput.int(request, "limit", default: 100, 1...1000))
        query.gateway = parameters.get("gateway").flatMap { $0.isEmpty ? nil : $0 }
        query.series = parameters.get("series")
        if let kind = parameters.get("kind"), !kind.isEmpty {
            guard let parsed = AlertKind(rawValue: kind) else {
                throw APIError.badRequest(
                    "bad_kind", "kind= is one of \(AlertKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.kind = parsed
        }
        if let before = parameters.get("before") {
            guard let id = Int64(before) else { throw APIError.badRequest("bad_parameter", "before= is an alert id") }
            query.before = id
        }
        if parameters.get("from") != nil || parameters.get("to") != nil {
            query.overlapping = try RequestInput.range(request, now: services.clock())
        }
        let alerts = try await services.store.alerts(query)
        let full = alerts.count == query.limit
        return JSONResponse.ok(
            API.AlertPage(alerts: alerts.map(API.Alert.init), nextBefore: full ? alerts.last?.id : nil))
    }

    /// `POST /api/v1/alerts/{id}/acknowledge` with `{"note": "..."}`; the acknowledger is the
    /// signed-in user (or the token's name).
    private func acknowledge(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let id = try Self.id(context)
        let note = try await RequestInput.decode(API.AlertNote.self, from: request).note ?? ""
        guard note.count <= 2000 else { throw APIError.badRequest("bad_field", "a note is at most 2,000 characters") }
        let person = context.identity?.name ?? "?"
        guard try await services.store.acknowledgeAlert(id, by: person, note: note, at: services.clock()) else {
            if try await services.store.alert(id) == nil { throw APIError.notFound("no alert \(id)") }
            throw APIError(.conflict, "not_firing", "alert \(id) is not firing (already acknowledged or resolved)")
        }
        if let alert = try await services.store.alert(id) {
            services.alertListeners.alertEvent("alert.acknowledged", alert)
        }
        await services.audit(context, "alert.acknowledge", "alert \(id)", note)
        context.logger.notice("alert acknowledged", metadata: ["alert": "\(id)", "by": "\(person)"])
        return JSONResponse.ok(API.AlertAcknowledged(acknowledged: id, by: person))
    }
}
