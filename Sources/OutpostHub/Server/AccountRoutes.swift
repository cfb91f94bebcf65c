import Foundation
import Hummingbird

/// Login and logout, who am I, users and API tokens.
struct AccountRoutes {
    let services: HubServices
    var accounts: Accounts { services.accounts }

    func register(on routes: HubRoutes) {
        routes.add(.post, "/api/v1/session", .open) { request, context in try await login(request, context) }
        routes.add(.get, "/api/v1/session", .role(.viewer)) { _, context in try whoAmI(context) }
        routes.add(.delete, "/api/v1/session", .role(.viewer)) { request, _ in try await logout(request) }
        routes.add(.get, "/api/v1/users", .role(.admin)) { _, _ in
            await JSONResponse.ok(API.UserList(users: try accounts.store.users().map(API.User.init)))
        }
        routes.add(.post, "/api/v1/users", .role(.admin)) { request, context in try await addUser(request, context) }
        routes.add(.patch, "/api/v1/users/{name}", .role(.admin)) { request, context in
            try await changeUser(request, RequestInput.path(context, "name"), by: context)
        }
        routes.add(.delete, "/api/v1/users/{name}", .role(.admin)) { _, context in
            try await removeUser(RequestInput.path(context, "name"), by: context)
        }
        routes.add(.get, "/api/v1/tokens", .role(.admin)) { _, _ in
            await JSONResponse.ok(API.TokenList(tokens: try accounts.store.tokens().map(API.Token.init)))
        }
        routes.add(.post, "/api/v1/tokens", .role(.admin)) { request, context in try await addToken(request, context) }
        routes.add(.delete, "/api/v1/tokens/{id}", .role(.admin)) { _, context in
            guard let id = Int64(try RequestInput.path(context, "id")) else {
                throw APIError.badRequest("bad_id", "a token id is a number")
            }
            guard try await accounts.store.revokeToken(id, at: services.clock()) else {
                throw APIError.notFound("no unrevoked token \(id)")
            }
            await services.audit(context, "token.revoke", "token \(id)", "")
            return JSONResponse.ok(API.TokenRevoked(revoked: id))
        }
    }

    private func login(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        // A page of another site can post text/plain or a form without asking (login CSRF:
        // signing the victim in as the attacker); application/json it cannot.
        guard RequestInput.isJSON(request) else {
            throw APIError(
                .unsupportedMediaType, "unsupported_media_type",
                "log in with a JSON body and Content-Type: application/json")
        }
        let body = try await RequestInput.decode(API.Login.self, from: request)
        let name = try RequestInput.nonEmpty(body.name, "name")
        let password = try RequestInput.nonEmpty(body.password, "password")
        switch try await accounts.login(name, password: password, client: context.client) {
        case .refused:
            context.logger.warning("login refused", metadata: ["user": "\(name)", "client": "\(context.client)"])
            return JSONResponse.error(.unauthorized, "bad_login", "wrong user name or password")
        case .throttled(let wait):
            context.logger.warning("login throttled", metadata: ["user": "\(name)", "client": "\(context.client)"])
            var response = JSONResponse.error(
                .tooManyRequests, "too_many_attempts", "too many failed logins; try again in \(wait) s")
            response.headers[.retryAfter] = String(wait)
            return response
        case .success(let cookie, let session):
            context.logger.info("login", metadata: ["user": "\(name)", "client": "\(context.client)"])
            var response = JSONResponse.ok(API.Session(user: session.user, role: session.role, csrf: session.csrf))
            let seconds = accounts.sessionLifetime.components.seconds
            response.headers[.setCookie] =
                "\(Authenticator.cookieName)=\(cookie); Path=/; Max-Age=\(seconds); HttpOnly; SameSite=Strict"
                + (services.web.secureCookies ? "; Secure" : "")
            return response
        }
    }

    private func whoAmI(_ context: HubRequestContext) throws -> Response {
        guard let identity = context.identity else { throw APIError(.unauthorized, "unauthenticated", "log in") }
        var session = API.Session(user: identity.name, role: identity.role, mapTiles: services.web.mapTiles)
        switch identity.means {
        case .session(let csrf): session.csrf = csrf
        case .token(let id): session.token = id
        }
        return JSONResponse.ok(session)
    }

    private func logout(_ request: Request) async throws -> Response {
        if let cookie = Authenticator.cookie(request) { try await accounts.logout(cookie: cookie) }
        var response = JSONResponse.ok(API.LoggedOut())
        response.headers[.setCookie] = "\(Authenticator.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"
        return response
    }

    private func addUser(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let body = try await RequestInput.decode(API.NewUser.self, from: request)
        let name = try RequestInput.nonEmpty(body.name, "name")
        let role = try body.role?.role() ?? .viewer
        let password = try RequestInput.nonEmpty(body.password, "password")
        do {
            try await accounts.addUser(name, role: role, password: password)
        } catch let error as AccountError {
            let taken = if case .exists = error { true } else { false }
            throw APIError(taken ? .conflict : .badRequest, "bad_user", error.description)
        }
        await services.audit(context, "user.add", "user \(name)", "role \(role.rawValue)")
        return JSONResponse.make(.created, API.User(name: name, role: role))
    }

    private func changeUser(_ request: Request, _ name: String, by context: HubRequestContext) async throws -> Response
    {
        let body = try await RequestInput.decode(API.UserChange.self, from: request)
        let role = try body.role?.role()
        if let role, role != .admin, name == context.identity?.name {
            throw APIError(.conflict, "own_role", "an admin cannot take away their own admin role")
        }
        var found = true
        if let password = body.password {
            do {
                found = try await accounts.setPassword(of: name, to: password)
            } catch let error as AccountError {
                throw APIError.badRequest("bad_user", error.description)
            }
        }
        if let role, found { found = try await accounts.setRole(of: name, to: role) }
        guard found else { throw APIError.notFound("no user '\(name)'") }
        let changes = [role.map { "role \($0.rawValue)" }, body.password.map { _ in "password" }].compactMap { $0 }
        await services.audit(context, "user.change", "user \(name)", changes.joined(separator: ", "))
        return JSONResponse.ok(API.UserChanged(name: name))
    }

    private func removeUser(_ name: String, by context: HubRequestContext) async throws -> Response {
        if name == context.identity?.name {
            throw APIError(.conflict, "own_account", "an admin cannot remove themselves")
        }
        guard try await accounts.removeUser(name) else { throw APIError.notFound("no user '\(name)'") }
        await services.audit(context, "user.remove", "user \(name)", "")
        return JSONResponse.ok(API.UserRemoved(removed: name))
    }

    private func addToken(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let body = try await RequestInput.decode(API.NewToken.self, from: request)
        let name = try RequestInput.nonEmpty(body.name, "name")
        let role = try body.role?.role() ?? .viewer
        let created: (id: Int64, secret: String)
        do {
            created = try await accounts.addToken(name: name, role: role, createdBy: context.identity?.owner ?? "?")
        } catch let error as AccountError {
            throw APIError.badRequest("bad_token", error.description)
        }
        await services.audit(context, "token.add", "token \(created.id)", "'\(name)', role \(role.rawValue)")
        return JSONResponse.make(
            .created, API.CreatedToken(id: created.id, name: name, role: role, token: created.secret))
    }
}
