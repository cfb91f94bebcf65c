import Hummingbird
import OutpostWire

/// Rollouts (one configuration to many gateways, a few first) and the labels that select them.
struct RolloutRoutes {
    let services: HubServices

    func register(on routes: HubRoutes) {
        routes.add(.get, "/api/v1/rollouts", .role(.viewer)) { _, _ in
            JSONResponse.ok(
                API.RolloutList(
                    rollouts: try await services.store.rollouts(running: false, limit: 50).map(API.RolloutDocument.init)
                ))
        }
        routes.add(.get, "/api/v1/rollouts/{id}", .role(.viewer)) { _, context in
            JSONResponse.ok(API.RolloutAnswer(rollout: API.RolloutDocument(try await rollout(context))))
        }
        routes.add(.post, "/api/v1/rollouts", .role(.operator)) { request, context in try await start(request, context)
        }
        routes.add(.post, "/api/v1/rollouts/{id}/halt", .role(.operator)) { _, context in
            var rollout = try await rollout(context)
            guard rollout.state == Rollout.running else {
                throw APIError(.conflict, "not_running", "rollout \(rollout.id) is \(rollout.state) already")
            }
            rollout.state = Rollout.halted
            rollout.reason = "halted by \(context.identity?.name ?? "?")"
            for index in rollout.targets.indices where rollout.targets[index].state == Rollout.Target.waiting {
                rollout.targets[index].state = Rollout.Target.skipped
            }
            try await services.store.updateRollout(rollout)
            await services.audit(context, "rollout.halt", "rollout \(rollout.id)", "")
            return JSONResponse.ok(API.RolloutAnswer(rollout: API.RolloutDocument(rollout)))
        }
        routes.add(.put, "/api/v1/gateways/{gateway}/labels", .role(.operator)) { request, context in
            let id = try RequestInput.path(context, "gateway")
            let labels = try await RequestInput.decode(API.LabelsRequest.self, from: request).labels
            guard labels.count <= 32, labels.allSatisfy({ Self.isLabelPart($0.key) && Self.isLabelPart($0.value) })
            else {
                throw APIError.badRequest(
                    "bad_labels",
                    "at most 32 labels, each name and value 1-64 of letters, digits, '.', '_' and '-'")
            }
            guard try await services.store.setLabels(gateway: id, labels) else {
                throw APIError.notFound("no gateway '\(id)'")
            }
            let text = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            await services.audit(context, "gateway.labels", id, text)
            return JSONResponse.ok(API.GatewayLabels(gateway: id, labels: labels))
        }
    }

    /// `POST /api/v1/rollouts`: a configuration checked once, or a release the hub has (admins
    /// only); the gateways chosen (online ones first); stored. The runner sends it.
    private func start(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        guard let configurations = services.configurations else { throw APIError.noFleetKey("configurations") }
        let body = try await RequestInput.decode(API.NewRollout.self, from: request)
        let (trial, note) = try ConfigurationRoutes.trialAndNote(body.trialSeconds, body.note)
        let share = body.haltShare ?? 0.2
        guard share.isFinite, (0...1).contains(share) else {
            throw APIError.badRequest("bad_field", "\"halt_share\" is a share from 0 to 1, not \(share)")
        }
        let (targets, selector) = try await choose(body)
        let what: String
        switch (body.toml, body.release) {
        case (let toml?, nil):
            let problems = configurations.check(toml, gateway: targets[0].id)
            guard problems.isEmpty else {
                return JSONResponse.make(.unprocessableContent, API.ConfigurationCheck(problems))
            }
            what = "a configuration"
        case (nil, let version?):
            guard context.identity?.role == .admin else {
                throw APIError(.forbidden, "forbidden", "only an admin rolls out a release")
            }
            guard try await !services.store.releases(version: version).isEmpty else {
                throw APIError.notFound("no release '\(version.prefix(40))' on this hub (POST /api/v1/releases)")
            }
            what = "release \(version)"
        default:
            throw APIError.badRequest(
                "bad_field", "give \"toml\" (a configuration) or \"release\" (a version), one of them")
        }
        let canary = min(max(1, body.canary ?? 1), targets.count)
        var rollout = Rollout(
            createdAt: services.clock(), author: context.identity?.name ?? "?", note: note, toml: body.toml ?? "",
            trialSeconds: trial, canary: canary, haltShare: share, selector: selector,
            targets: targets.map { Rollout.Target(gateway: $0.id) }, release: body.release)
        rollout.id = try await services.store.addRollout(rollout)
        await services.audit(
            context, "rollout.start", "rollout \(rollout.id)",
            "\(what) to \(targets.count) gateways (\(selector)), \(canary) first, halt above \(Int((share * 100).rounded())) %"
                + (note.isEmpty ? "" : ": \(note)"))
        return JSONResponse.make(.created, API.RolloutAnswer(rollout: API.RolloutDocument(rollout)))
    }

    /// The gateways a rollout goes to, online ones first, and how they were chosen.
    private func choose(_ body: API.NewRollout) async throws -> ([GatewayRecord], String) {
        let usable = try await services.store.gateways().filter { $0.enrolled && $0.revokedAt == nil }
        let chosen: [GatewayRecord]
        let selector: String
        switch (body.label, body.gateways) {
        case (let label?, nil):
            let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw APIError.badRequest("bad_field", "\"label\" is NAME=VALUE") }
            chosen = usable.filter { $0.labels[parts[0]] == parts[1] }
            selector = "label \(label)"
        case (nil, let names?):
            guard names.count <= 100_000 else { throw APIError.badRequest("bad_field", "at most 100,000 gateways") }
            let known = Dictionary(usable.map { ($0.id, $0) }) { first, _ in first }
            if let unknown = names.first(where: { known[$0] == nil }) {
                throw APIError.badRequest("unknown_gateway", "'\(unknown)' is not an enrolled, unrevoked gateway")
            }
            chosen = Array(Set(names)).compactMap { known[$0] }
            selector = "list"
        default:
            throw APIError.badRequest("bad_field", "give \"label\" (NAME=VALUE) or \"gateways\" (a list), one of them")
        }
        guard !chosen.isEmpty else { throw APIError.badRequest("no_gateways", "no enrolled gateway matches") }
        return (chosen.sorted { ($0.online ? 0 : 1, $0.id) < ($1.online ? 0 : 1, $1.id) }, selector)
    }

    private func rollout(_ context: HubRequestContext) async throws -> Rollout {
        guard let id = Int64(try RequestInput.path(context, "id")) else {
            throw APIError.badRequest("bad_id", "a rollout id is a number")
        }
        guard let rollout = try await services.store.rollout(id) else { throw APIError.notFound("no rollout \(id)") }
        return rollout
    }

    /// A label's name or value: what a gateway id may be (letters, digits, `.`, `_`, `-`), at
    /// most 64.
    private static func isLabelPart(_ text: String) -> Bool {
        text.utf8.count <= 64 && BatchFrame.isValidGatewayID(text)
    }
}
