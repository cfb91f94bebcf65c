// Credentials used after they should have ended: a removed or demoted creator's tokens, a
// WebSocket after logout or revocation, and one that holds too much or nothing at all.
import Foundation
import OutpostHub
import OutpostTestSupport
import Testing

/// A user added with the CLI and logged in: their session cookie and CSRF token.
private func session(_ hub: HubProcess, _ name: String, role: String) throws -> (cookie: String, csrf: String) {
    let added = try hub.command(
        ["user", "add", "--role", role, name, "--password-stdin"], stdin: "a long enough password\n")
    guard added.exitStatus == 0 else { throw HubTestFailure("user add: \(added)") }
    let login = try hub.call(
        "POST", "/api/v1/session", json: #"{"name":"\#(name)","password":"a long enough password"}"#)
    let cookie = (login.headers["set-cookie"] ?? "").split(separator: ";").first?.split(separator: "=", maxSplits: 1)
        .last
    guard login.status == 200, let cookie, let csrf = login.json["csrf"] as? String else {
        throw HubTestFailure("login of \(name): \(login.status) \(login.body)")
    }
    return (String(cookie), csrf)
}

/// A token made through the API by a logged-in user.
private func token(_ hub: HubProcess, by user: (cookie: String, csrf: String), role: String) throws -> String {
    let made = try hub.call(
        "POST", "/api/v1/tokens", cookie: user.cookie, csrf: user.csrf, json: #"{"name":"script","role":"\#(role)"}"#)
    guard made.status == 201, let secret = made.json["token"] as? String else {
        throw HubTestFailure("token: \(made.status) \(made.body)")
    }
    return secret
}

@Suite("Credentials end when they should")
struct CredentialLifetimeTests {
    @Test(
        "A removed admin's token stops working; a demoted admin's admin token is revoked; no token exceeds its creator")
    func tokensFollowTheirCreator() throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\n")
        try hub.start(withBroker: false)
        let ana = try session(hub, "ana", role: "admin")
        let anasToken = try token(hub, by: ana, role: "admin")
        #expect(try hub.call("GET", "/api/v1/users", bearer: anasToken).status == 200)
        #expect(try hub.call("DELETE", "/api/v1/users/ana", bearer: hub.token).status == 200)
        let afterRemoval = try hub.call(
            "POST", "/api/v1/users", bearer: anasToken,
            json: #"{"name":"mallory","role":"admin","password":"0123456789abc"}"#)
        #expect(afterRemoval.status == 401, "a removed admin's token created an admin: \(afterRemoval.status)")
        let tokens = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"] as? [[String: Any]] ?? []
        #expect(tokens.first { $0["created_by"] as? String == "ana" }?["revoked_at"] as? Int64 != nil, "\(tokens)")

        let bob = try session(hub, "bob", role: "admin")
        let bobsAdmin = try token(hub, by: bob, role: "admin")
        let bobsViewer = try token(hub, by: bob, role: "viewer")
        // A token made with a token belongs to the user behind it.
        let chained = try hub.call(
            "POST", "/api/v1/tokens", bearer: bobsAdmin, json: #"{"name":"chained","role":"operator"}"#)
        #expect(chained.status == 201, "\(chained.body)")
        let listed = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"] as? [[String: Any]] ?? []
        #expect(listed.first { $0["name"] as? String == "chained" }?["created_by"] as? String == "bob", "\(listed)")
        let demoted = try hub.call("PATCH", "/api/v1/users/bob", bearer: hub.token, json: #"{"role":"viewer"}"#)
        #expect(demoted.status == 200)
        #expect(try hub.call("GET", "/api/v1/users", bearer: bobsAdmin).status == 401, "the admin token was revoked")
        #expect(try hub.call("GET", "/api/v1/gateways", bearer: bobsViewer).status == 200, "the viewer token goes on")
        // A changed role ends the user's sessions: the admin session cannot make another admin token.
        #expect(try hub.call("GET", "/api/v1/session", cookie: bob.cookie).status == 401)
        let upgrade = try hub.call(
            "POST", "/api/v1/tokens", cookie: bob.cookie, csrf: bob.csrf, json: #"{"name":"x","role":"admin"}"#)
        #expect(upgrade.status == 401, "\(upgrade.status) \(upgrade.body)")
    }

    @Test(
        "A WebSocket is closed once its token is revoked or its session logged out, holds at most 1,000 series, and is closed when its client stops answering pings"
    )
    func webSocketsEnd() async throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[web]\nbcrypt_cost = 4\nlive_idle = \"4s\"\n")
        try hub.start(withBroker: false)
        let viewer = try hub.makeToken(role: "viewer")
        let subscribe = #"{"subscribe":[{"gateway":"gw","series":"x"}]}"#
        let byToken = LiveClient(port: hub.httpPort, token: viewer, subscribe: subscribe)
        defer { byToken.close() }
        #expect(await eventually(timeout: .seconds(20)) { byToken.has("\"subscribed\"") })
        let id = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"]
            .flatMap { ($0 as? [[String: Any]])?.first { $0["role"] as? String == "viewer" }?["id"] as? Int64 }
        #expect(try hub.call("DELETE", "/api/v1/tokens/\(try #require(id))", bearer: hub.token).status == 200)
        #expect(await eventually(timeout: .seconds(20)) { byToken.has("the session or token has ended") })
        _ = await byToken.ended
        #expect(try hub.call("GET", "/api/v1/gateways", bearer: viewer).status == 401)

        // A browser's socket, by session cookie (curl speaks the upgrade as a browser does, with
        // the page's Origin): closed once the session is logged out.
        let operatorSession = try session(hub, "olga", role: "operator")
        let browser = try ChildProcess(
            "/usr/bin/curl",
            [
                "-s", "-N", "--max-time", "30", "-H", "Cookie: outpost_session=\(operatorSession.cookie)",
                "-H", "Origin: http://127.0.0.1:\(hub.httpPort)", "-H", "Connection: Upgrade", "-H",
                "Upgrade: websocket",
                "-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "http://127.0.0.1:\(hub.httpPort)/api/v1/live",
            ])
        #expect(await eventually(timeout: .seconds(20)) { browser.currentStdout().contains("\"hello\"") })
        #expect(
            try hub.call("DELETE", "/api/v1/session", cookie: operatorSession.cookie, csrf: operatorSession.csrf).status
                == 200)
        let closed = try await browser.finished(timeout: .seconds(25))
        #expect(closed.stdout.contains("the session or token has ended"), "\(closed)")

        // 1,001 series in messages of 250 (a WebSocket frame is at most 16 KiB): the fifth is refused whole.
        let messages = stride(from: 0, through: LiveFeed.maxSeriesPerClient, by: 250).map { start in
            let keys = (start..<min(start + 250, LiveFeed.maxSeriesPerClient + 1)).map {
                #"{"gateway":"gw","series":"s\#($0)"}"#
            }
            return #"{"subscribe":[\#(keys.joined(separator: ","))]}"#
        }
        let greedy = LiveClient(
            port: hub.httpPort, token: hub.token, subscribe: messages[0], more: Array(messages.dropFirst()))
        defer { greedy.close() }
        #expect(
            await eventually(timeout: .seconds(20)) { greedy.has("at most 1000 series") },
            "\(greedy.transcript.suffix(500))")
        #expect(greedy.transcript.components(separatedBy: "\"subscribed\"").count - 1 == 4)

        // A page that only listens (alerts, fleet) answers the hub's pings and stays; a peer that
        // stops answering them (this raw upgrade never does) is closed after live_idle.
        let listener = LiveClient(port: hub.httpPort, token: hub.token, subscribe: #"{"subscribe":[]}"#)
        defer { listener.close() }
        #expect(await eventually(timeout: .seconds(20)) { listener.has("\"subscribed\"") })
        let silent = try ChildProcess(
            "/usr/bin/curl",
            [
                "-s", "-N", "--max-time", "60", "-H", "Authorization: Bearer \(hub.token)", "-H", "Connection: Upgrade",
                "-H", "Upgrade: websocket", "-H", "Sec-WebSocket-Version: 13", "-H",
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                "http://127.0.0.1:\(hub.httpPort)/api/v1/live",
            ])
        #expect(await eventually(timeout: .seconds(20)) { silent.currentStdout().contains("\"hello\"") })
        let ended = try await silent.finished(timeout: .seconds(75))
        // curl exits 28 when its own 60 s limit ends the transfer; the hub closing it is anything else.
        #expect(ended.exitStatus != 28, "the silent peer was not closed by the hub: \(ended)")
        #expect(!listener.has("\"closed\""), "the answering listener stays open: \(listener.transcript)")
        #expect(try hub.call("GET", "/health").status == 200)
    }
}
