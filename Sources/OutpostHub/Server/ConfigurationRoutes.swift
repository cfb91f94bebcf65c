import Hummingbird
import OutpostConfig
import OutpostWire

/// Gateways' remote configurations: read (viewers), check and push (operators), each version
/// kept and diffable; pushes are audited.
struct ConfigurationRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/gateways/{gateway}/config", .role(.viewer)) { _, context in
            let gateway = try await known(context)
            let versions = try await services.store.configurations(gateway: gateway.id)
            return JSONResponse.ok(
                API.GatewayConfiguration(gateway: gateway.id, versions: versions, report: gateway.configuration))
        }
        routes.add(.get, "/api/v1/gateways/{gateway}/config/versions/{version}", .role(.viewer)) { _, context in
            let gateway = try await known(context)
            let number = try Self.version(RequestInput.path(context, "version"), "version")
            return JSONResponse.ok(API.ConfigurationVersion(try await version(number, of: gateway.id)))
        }
        routes.add(.get, "/api/v1/gateways/{gateway}/config/diff", .role(.viewer)) { request, context in
            let gateway = try await known(context)
            let query = request.uri.queryParameters
            let to = try query.get("to").map { try Self.version($0, "to") }
            let versions = try await services.store.configurations(gateway: gateway.id)
            let target = try to ?? newestVersion(versions, of: gateway.id)
            let from = try query.get("from").map { try Self.version($0, "from") } ?? max(0, target - 1)
            let text = { (number: Int64) throws -> String in
                guard number > 0 else { return "" }
                guard let found = versions.first(where: { $0.version == number }) else {
                    throw APIError.notFound("gateway '\(gateway.id)' has no configuration v\(number)")
                }
                return found.toml
            }
            let diff = LineDiff.unified(
                try text(from), try text(target), oldName: from == 0 ? "agent.toml alone" : "v\(from)",
                newName: "v\(target)")
            return JSONResponse.ok(API.ConfigurationDiff(gateway: gateway.id, from: from, to: target, diff: diff))
        }
        routes.add(.post, "/api/v1/gateways/{gateway}/config/check", .role(.operator)) { request, context in
            let gateway = try await known(context)
            let body = try await RequestInput.decode(API.ConfigurationRequest.self, from: request)
            return JSONResponse.ok(API.ConfigurationCheck(try fleet().check(body.toml, gateway: gateway.id)))
        }
        routes.add(.put, "/api/v1/gateways/{gateway}/config", .role(.operator)) { request, context in
            try await push(request, context)
        }
    }

    /// `PUT …/config` with `{"toml": "...", "trial_s": 600, "note": "..."}`.
    private func push(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let gateway = try await known(context)
        guard gateway.revokedAt == nil else {
            throw APIError(.conflict, "revoked", "gateway '\(gateway.id)' is revoked: it takes no configuration")
        }
        let body = try await RequestInput.decode(API.ConfigurationRequest.self, from: request)
        let (trial, note) = try Self.trialAndNote(body.trialSeconds, body.note)
        let author = context.identity?.name ?? "?"
        switch try await fleet().push(
            gateway: gateway.id, toml: body.toml, trialSeconds: trial, note: note, author: author)
        {
        case .refused(let problems):
            return JSONResponse.make(.unprocessableContent, API.ConfigurationCheck(problems))
        case .accepted(let stored, let delivered):
            await services.audit(
                context, "config.push", gateway.id,
                "v\(stored.version), trial \(trial) s" + (note.isEmpty ? "" : ": \(note)"))
            return JSONResponse.make(
                .created, API.ConfigurationPushed(gateway: gateway.id, version: stored.version, delivered: delivered))
        }
    }

    private func fleet() throws -> FleetConfigurations {
        guard let fleet = services.configurations else { throw APIError.noFleetKey("configurations") }
        return fleet
    }

    private func known(_ context: HubRequestContext) async throws -> GatewayRecord {
        let id = try RequestInput.path(context, "gateway")
        guard let gateway = try await services.store.gateway(id), gateway.enrolled else {
            throw APIError.notFound("no gateway '\(id)'")
        }
        return gateway
    }

    private func version(_ number: Int64, of gateway: String) async throws -> StoredConfiguration {
        guard
            let found = try await services.store.configurations(gateway: gateway).first(where: { $0.version == number })
        else { throw APIError.notFound("gateway '\(gateway)' has no configuration v\(number)") }
        return found
    }

    private func newestVersion(_ versions: [StoredConfiguration], of gateway: String) throws -> Int64 {
        guard let newest = versions.first?.version else {
            throw APIError.notFound("gateway '\(gateway)' has no remote configuration yet")
        }
        return newest
    }

    /// A push's or a rollout's `trial_s` (the default when absent) and `note` (empty when
    /// absent), checked.
    static func trialAndNote(_ trial: Int64?, _ note: String?) throws -> (Int64, String) {
        let trial = trial ?? ConfigurationDocument.defaultTrialSeconds
        let range = ConfigurationDocument.trialRange
        guard range.contains(trial) else {
            throw APIError.badRequest(
                "bad_field", "\"trial_s\" is \(range.lowerBound) to \(range.upperBound) seconds, not \(trial)")
        }
        let note = note ?? ""
        guard note.count <= 2000 else { throw APIError.badRequest("bad_field", "a note is at most 2,000 characters") }
        return (trial, note)
    }

    private static func version(_ text: String, _ key: String) throws -> Int64 {
        guard let number = Int64(text), number >= 0 else {
            throw APIError.badRequest("bad_version", "\(key) is a version number (0 for agent.toml alone)")
        }
        return number
    }
}

/// The audit log, for admins.
struct AuditRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/audit", .role(.admin)) { request, _ in
            let query = request.uri.queryParameters
            let limit = try RequestInput.int(request, "limit", default: 100, 1...1000)
            let before = try RequestInput.int(request, "before", default: Int.max, 1...Int.max)
            let target = query.get("target").flatMap { $0.isEmpty ? nil : $0 }
            let entries = try await services.store.auditLog(target: target, before: Int64(before), limit: limit)
            return JSONResponse.ok(
                API.AuditPage(
                    entries: entries.map(API.AuditRecord.init),
                    nextBefore: entries.count == limit ? entries.last?.id : nil))
        }
    }
}

extension HubServices {
    /// Records an operator action done through `context`: who, from where, what, on what. A
    /// failure is logged: the action is done and stays done.
    func audit(_ context: HubRequestContext, _ action: String, _ target: String, _ detail: String) async {
        let entry = AuditEntry(
            at: clock(), actor: context.identity?.name ?? "?", source: context.client, action: action,
            target: target, detail: detail)
        do {
            try await store.audit(entry)
        } catch {
            context.logger.error(
                "could not record an action in the audit log",
                metadata: ["action": "\(action)", "target": "\(target)", "error": "\(error)"])
        }
    }
}
