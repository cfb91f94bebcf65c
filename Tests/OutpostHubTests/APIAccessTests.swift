import Foundation
import Logging
import OutpostHub
import OutpostTestSupport
import Testing

/// The routes the hub registers, read from a router built in this process.
func registeredRoutes() throws -> [RouteRecord] {
    let folder = try TemporaryFolder(prefix: "routes")
    let store = try SQLiteHubStore(path: folder.path + "/hub.db")
    let pipeline = IngestPipeline(store: store, verifier: GatewayRegistry(), logger: Logger(label: "routes"))
    let services = HubServices(pipeline: pipeline, store: store, accounts: Accounts(store: store), feed: LiveFeed())
    return HubServer.router(services).1
}

/// What the API document and the access checks cover: the API, health and metrics (pages are HTML).
private func isAPI(_ route: RouteRecord) -> Bool {
    route.path.hasPrefix("/api/") || route.path == "/metrics" || route.path == "/health"
}

private func concrete(_ path: String) -> String {
    path.replacingOccurrences(of: "{gateway}", with: "gw-none").replacingOccurrences(of: "{id}", with: "999")
        .replacingOccurrences(of: "{name}", with: "nobody")
}

@Suite("API access and documentation")
struct APIAccessTests {
    @Test("openapi.yaml is valid OpenAPI 3.1 and describes exactly the routes that exist, each with its role")
    func documentMatchesRoutes() throws {
        let outcome = try ChildProcess.run(
            Peers.python, [packageRoot() + "/Tests/Peers/openapi_routes.py", packageRoot() + "/openapi.yaml"])
        #expect(outcome.exitStatus == 0, "openapi-spec-validator: \(outcome.stderr)")
        let documented = Set(outcome.stdout.split(separator: "\n").map(String.init))
        let registered = Set(
            try registeredRoutes().filter(isAPI).map { route -> String in
                let role: String
                switch route.access {
                case .open: role = "open"
                case .role(let needed): role = needed.rawValue
                }
                return "\(route.method) \(route.path) \(role)"
            })
        #expect(registered.count > 20)
        #expect(
            registered.subtracting(documented).isEmpty,
            "routes missing from openapi.yaml: \(registered.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(registered).isEmpty,
            "documented but not routed: \(documented.subtracting(registered).sorted())")
    }

    @Test(
        "Every protected route answers 401 to an anonymous caller and 403 to a role below its own, with the JSON error shape"
    )
    func everyRouteChecksItsRole() throws {
        let hub = try HubProcess(brokerPort: nil)
        let tokens = ["viewer": try hub.makeToken(role: "viewer"), "operator": try hub.makeToken(role: "operator")]
        try hub.start(withBroker: false)
        var checked = 0
        for route in try registeredRoutes() where isAPI(route) {
            let path = concrete(route.path)
            let body = route.method == "GET" || route.method == "DELETE" ? nil : "{}"
            let anonymous = try hub.call(route.method, path, json: body)
            guard case .role(let needed) = route.access else {
                #expect(anonymous.status != 401, "\(route.method) \(route.path) is open but answered 401")
                continue
            }
            #expect(anonymous.status == 401, "\(route.method) \(route.path) anonymous: \(anonymous.status)")
            if route.path != "/api/v1/live" {
                #expect(anonymous.errorCode == "unauthenticated", "\(route.method) \(route.path): \(anonymous.body)")
            }
            for role in [Role.viewer, .operator] where role < needed {
                let answer = try hub.call(route.method, path, bearer: tokens[role.rawValue], json: body)
                #expect(
                    answer.status == 403 && answer.errorCode == "forbidden",
                    "\(route.method) \(route.path) as \(role): \(answer.status) \(answer.body)")
            }
            checked += 1
        }
        #expect(checked >= 20)
        let wrong = try hub.call("GET", "/api/v1/gateways", bearer: "opt_made-up")
        #expect(wrong.status == 401)
        let unknown = try hub.call("GET", "/api/v1/no-such-thing", bearer: tokens["viewer"])
        #expect(unknown.status == 404 && unknown.errorCode == "not_found")
        // Pages send an anonymous browser to the login page; the login page itself is open.
        let page = try hub.call("GET", "/alerts")
        #expect(page.status == 303 && page.headers["location"] == "/login?next=%2Falerts")
        #expect(try hub.call("GET", "/login").status == 200)
    }

    @Test("A session: cookie HttpOnly and SameSite, CSRF token required on changes, logout ends it")
    func sessionsAndCSRF() throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        let added = try hub.command(
            ["user", "add", "--admin", "root-admin", "--password-stdin"], stdin: "correct horse battery\n")
        #expect(added.exitStatus == 0, "\(added)")
        try hub.start(withBroker: false)
        let wrong = try hub.call("POST", "/api/v1/session", json: #"{"name":"root-admin","password":"nope nope nope"}"#)
        #expect(wrong.status == 401 && wrong.errorCode == "bad_login")
        let login = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"root-admin","password":"correct horse battery"}"#)
        #expect(login.status == 200)
        let setCookie = login.headers["set-cookie"] ?? ""
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"), "\(setCookie)")
        let cookie = try #require(
            setCookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last.map(String.init))
        let csrf = try #require(login.json["csrf"] as? String)
        let me = try hub.call("GET", "/api/v1/session", cookie: cookie)
        #expect(me.json["user"] as? String == "root-admin" && me.json["csrf"] as? String == csrf)
        let user = #"{"name":"night-operator","role":"operator","password":"0123456789abc"}"#
        let forged = try hub.call("POST", "/api/v1/users", cookie: cookie, json: user)
        #expect(forged.status == 403 && forged.errorCode == "csrf", "a change without the CSRF token is refused")
        let badToken = try hub.call("POST", "/api/v1/users", cookie: cookie, csrf: "guess", json: user)
        #expect(badToken.status == 403 && badToken.errorCode == "csrf")
        let created = try hub.call("POST", "/api/v1/users", cookie: cookie, csrf: csrf, json: user)
        #expect(created.status == 201, "\(created.body)")
        #expect(try hub.call("POST", "/api/v1/users", cookie: cookie, csrf: csrf, json: user).status == 409)
        let weak = try hub.call(
            "POST", "/api/v1/users", cookie: cookie, csrf: csrf, json: #"{"name":"x","password":"short"}"#)
        #expect(weak.status == 400 && weak.body.contains("at least 10"))
        let selfRemove = try hub.call("DELETE", "/api/v1/users/root-admin", cookie: cookie, csrf: csrf)
        #expect(selfRemove.status == 409)
        // The operator logs in and can acknowledge but not administer.
        let operatorLogin = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"night-operator","password":"0123456789abc"}"#)
        #expect(operatorLogin.json["role"] as? String == "operator")
        let operatorCookie = try #require(
            (operatorLogin.headers["set-cookie"] ?? "").split(separator: ";").first?.split(separator: "=", maxSplits: 1)
                .last.map(String.init))
        #expect(try hub.call("GET", "/api/v1/session", cookie: operatorCookie).status == 200)
        // A changed role takes effect at once: the user's sessions end.
        let demoted = try hub.call(
            "PATCH", "/api/v1/users/night-operator", cookie: cookie, csrf: csrf, json: #"{"role":"viewer"}"#)
        #expect(demoted.status == 200, "\(demoted.body)")
        #expect(try hub.call("GET", "/api/v1/session", cookie: operatorCookie).status == 401)
        let users = try hub.call("GET", "/api/v1/users", cookie: cookie).json["users"] as? [[String: Any]] ?? []
        #expect(users.first { $0["name"] as? String == "night-operator" }?["role"] as? String == "viewer")
        #expect(try hub.call("DELETE", "/api/v1/users/night-operator", cookie: cookie, csrf: csrf).status == 200)
        #expect(try hub.call("DELETE", "/api/v1/users/night-operator", cookie: cookie, csrf: csrf).status == 404)
        let gone = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"night-operator","password":"0123456789abc"}"#)
        #expect(gone.status == 401, "a removed user cannot log in")
        let logout = try hub.call("DELETE", "/api/v1/session", cookie: cookie, csrf: csrf)
        #expect(logout.status == 200 && (logout.headers["set-cookie"] ?? "").contains("Max-Age=0"))
        #expect(try hub.call("GET", "/api/v1/session", cookie: cookie).status == 401, "the session ended")
    }

    @Test(
        "Failed logins are throttled per user and address: the sixth from that address waits, another address logs in, forty at once get five tries"
    )
    func loginThrottle() async throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        for name in ["watcher", "crowd"] {
            let added = try hub.command(
                ["user", "add", "--role", "viewer", name, "--password-stdin"], stdin: "a long enough password\n")
            #expect(added.exitStatus == 0, "\(added)")
        }
        try hub.start(withBroker: false)
        for _ in 0..<5 {
            #expect(
                try hub.call("POST", "/api/v1/session", json: #"{"name":"watcher","password":"wrong guess 1"}"#).status
                    == 401)
        }
        let throttled = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"watcher","password":"a long enough password"}"#)
        #expect(throttled.status == 429 && throttled.errorCode == "too_many_attempts")
        #expect(Int(throttled.headers["retry-after"] ?? "") ?? 0 > 0)
        // Five typos from one address do not lock the user out everywhere.
        let elsewhere = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"watcher","password":"a long enough password"}"#,
            from: "127.0.0.2")
        #expect(elsewhere.status == 200, "\(elsewhere.status) \(elsewhere.body)")
        // Forty wrong passwords at once from one address: each takes its place before bcrypt, so
        // exactly five are checked and the rest wait.
        let script = """
            seq 40 | xargs -P 40 -I{} curl -s --interface 127.0.0.3 -H 'Content-Type: application/json' \\
              --data-binary '{"name":"crowd","password":"wrong guess {}"}' http://127.0.0.1:\(hub.httpPort)/api/v1/session
            """
        let answers = try await ChildProcess.running("/bin/bash", ["-c", script]).stdout
        let checked = answers.components(separatedBy: "\"bad_login\"").count - 1
        let held = answers.components(separatedBy: "\"too_many_attempts\"").count - 1
        #expect(checked == 5 && held == 35, "\(checked) checked, \(held) held: \(answers.prefix(400))")
    }

    @Test("Login takes only JSON: a form or text/plain body (login CSRF from another site) is refused with 415")
    func loginNeedsJSON() throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        _ = try hub.command(
            ["user", "add", "--role", "viewer", "plain", "--password-stdin"], stdin: "a long enough password\n")
        try hub.start(withBroker: false)
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let answer = try hub.call(
                "POST", "/api/v1/session", headers: ["Content-Type: \(type)"],
                body: #"{"name":"plain","password":"a long enough password"}"#)
            #expect(
                answer.status == 415 && answer.errorCode == "unsupported_media_type",
                "\(type): \(answer.status) \(answer.body)")
            #expect(answer.headers["set-cookie"] == nil)
        }
        let json = try hub.call(
            "POST", "/api/v1/session", json: #"{"name":"plain","password":"a long enough password"}"#)
        #expect(json.status == 200)
    }
}
