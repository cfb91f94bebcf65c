import OutpostTestSupport
import Testing

@testable import OutpostHub

/// The parts of the store protocol the ingest and query tests do not reach, on both backends:
/// gateways, accounts and alert claims.
@Suite("The store: gateways, accounts and alert claims on every backend")
struct StoreParityTests {
    @Test(
        "Enrolment, revocation, status reports, health and refusals read back as written",
        arguments: StoreBackend.allCases)
    func gateways(backend: StoreBackend) throws {
        let folder = try TemporaryFolder()
        let store = try backend.open(in: folder)
        let key = [UInt8](repeating: 9, count: 64)
        try store.enrol(gateway: "gw-b", publicKey: key, latitude: 47.5, longitude: 8.25, at: 10)
        try store.enrol(gateway: "gw-a", publicKey: key, latitude: nil, longitude: nil, at: 11)
        #expect(try store.revoke(gateway: "gw-a", at: 12))
        #expect(try !store.revoke(gateway: "gw-unknown", at: 12))
        let keys = try store.enrolledKeys()
        #expect(keys["gw-a"]?.revoked == true && keys["gw-b"]?.revoked == false && keys["gw-b"]?.publicKey == key)
        try store.recordStatus(
            gateway: "gw-b",
            report: GatewayStatusReport(
                online: true, agentVersion: "1.2", backlogReadings: 40, clockState: "synchronised"),
            at: 20)
        try store.recordStatus(gateway: "gw-b", report: GatewayStatusReport(online: false), at: 30)
        let records = try store.gateways()
        #expect(records.map(\.id) == ["gw-a", "gw-b"])
        let b = try #require(records.last)
        #expect(b.enrolled && b.enrolledAt == 10 && b.revokedAt == nil && b.lastSeen == 30 && !b.online)
        #expect(b.agentVersion == "1.2" && b.backlogReadings == 0 && b.clockState == "synchronised")
        #expect(b.latitude == 47.5 && b.longitude == 8.25 && b.seriesCount == 0)
        #expect(records.first?.revokedAt == 12)
        let health = try store.health(gateway: "gw-b", in: 0...25)
        #expect(health == [HealthPoint(time: 20, online: true, backlogReadings: 40)])
        try store.recordRefusal(gateway: "gw-x", reason: "signature", detail: "first", count: 2, at: 5)
        try store.recordRefusal(gateway: "gw-x", reason: "signature", detail: "again", count: 3, at: 6)
        let refusal = try #require(try store.refusals().first)
        #expect(refusal.count == 5 && refusal.firstAt == 5 && refusal.lastAt == 6 && refusal.detail == "again")
    }

    @Test("Users, sessions and tokens: added, found, changed, expired and revoked", arguments: StoreBackend.allCases)
    func accounts(backend: StoreBackend) throws {
        let folder = try TemporaryFolder()
        let store = try backend.open(in: folder)
        try store.addUser("ana", role: .admin, passwordHash: "h1", at: 1)
        #expect(throws: AccountError.self) { try store.addUser("ana", role: .viewer, passwordHash: "h2", at: 2) }
        try store.addUser("bo", role: .viewer, passwordHash: "h3", at: 3)
        #expect(try store.users().map(\.name) == ["ana", "bo"])
        try store.addSession(hash: "s1", SessionRecord(user: "bo", role: .viewer, csrf: "c", expiresAt: 100))
        #expect(try store.session(hash: "s1", now: 50)?.user == "bo")
        #expect(try store.updateUser("bo", role: .operator, passwordHash: nil))
        #expect(try store.session(hash: "s1", now: 50) == nil)  // a changed role ends the sessions
        #expect(try store.user("bo")?.role == .operator)
        try store.addSession(hash: "s2", SessionRecord(user: "bo", role: .operator, csrf: "c", expiresAt: 100))
        #expect(try store.session(hash: "s2", now: 100) == nil)  // expired
        #expect(try store.removeUser("bo") && !store.removeUser("bo"))
        let id = try store.addToken(name: "script", role: .viewer, hash: "t1", createdBy: "ana", at: 5)
        #expect(try store.useToken(hash: "t1", at: 70_000_000_000)?.id == id)
        #expect(try store.tokens().first?.lastUsedAt == 70_000_000_000)
        #expect(try store.revokeToken(id, at: 80) && !store.revokeToken(id, at: 81))
        #expect(try store.useToken(hash: "t1", at: 90) == nil)
    }

    @Test(
        "One open alert per problem: a second opening finds the first; a second resolution does nothing",
        arguments: StoreBackend.allCases)
    func alertClaims(backend: StoreBackend) throws {
        let folder = try TemporaryFolder()
        let store = try backend.open(in: folder)
        let series = SeriesKey(gateway: "gw-a", name: "t")
        let first = try store.openAlert(series: series, kind: .spike, score: 2, at: 10)
        let again = try store.openAlert(series: series, kind: .level, score: 3, at: 11)
        #expect(first.opened && !again.opened && again.id == first.id)
        let silence = try store.openAlert(
            series: SeriesKey(gateway: "gw-a", name: ""), kind: .silence, score: 1, at: 12)
        let backlog = try store.openAlert(
            series: SeriesKey(gateway: "gw-a", name: ""), kind: .backlog, score: 1, at: 12)
        #expect(silence.opened && backlog.opened && silence.id != backlog.id)
        #expect(try store.resolveAlert(first.id, at: 20, reason: "it is now this series' normal"))
        #expect(try !store.resolveAlert(first.id, at: 21, reason: nil))
        #expect(try store.alert(first.id)?.resolution == "it is now this series' normal", "why it resolved is kept")
        #expect(try store.alert(silence.id)?.resolution == nil)
        let next = try store.openAlert(series: series, kind: .spike, score: 2, at: 30)
        #expect(next.opened && next.id != first.id)
        #expect(
            try store.alerts(in: [.firing], limit: 10).map(\.id).sorted() == [silence.id, backlog.id, next.id].sorted())
    }
}
