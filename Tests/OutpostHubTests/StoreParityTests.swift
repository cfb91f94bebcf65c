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
    func gateways(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let key = [UInt8](repeating: 9, count: 64)
        try await store.enrol(gateway: "gw-b", publicKey: key, latitude: 47.5, longitude: 8.25, at: 10)
        try await store.enrol(gateway: "gw-a", publicKey: key, latitude: nil, longitude: nil, at: 11)
        #expect(try await store.revoke(gateway: "gw-a", at: 12))
        #expect(try await !store.revoke(gateway: "gw-unknown", at: 12))
        let keys = try await store.enrolledKeys()
        #expect(keys["gw-a"]?.revoked == true && keys["gw-b"]?.revoked == false && keys["gw-b"]?.publicKey == key)
        try await store.recordStatus(
            gateway: "gw-b",
            report: GatewayStatusReport(
                online: true, agentVersion: "1.2", backlogReadings: 40, clockState: "synchronised"),
            at: 20)
        try await store.recordStatus(gateway: "gw-b", report: GatewayStatusReport(online: false), at: 30)
        let records = try await store.gateways()
        #expect(records.map(\.id) == ["gw-a", "gw-b"])
        let b = try #require(records.last)
        #expect(b.enrolled && b.enrolledAt == 10 && b.revokedAt == nil && b.lastSeen == 30 && !b.online)
        #expect(b.agentVersion == "1.2" && b.backlogReadings == 0 && b.clockState == "synchronised")
        #expect(b.latitude == 47.5 && b.longitude == 8.25 && b.seriesCount == 0)
        #expect(records.first?.revokedAt == 12)
        let health = try await store.health(gateway: "gw-b", in: 0...25)
        #expect(health == [HealthPoint(time: 20, online: true, backlogReadings: 40)])
        try await store.recordRefusal(gateway: "gw-x", reason: "signature", detail: "first", count: 2, at: 5)
        try await store.recordRefusal(gateway: "gw-x", reason: "signature", detail: "again", count: 3, at: 6)
        let refusal = try #require(try await store.refusals().first)
        #expect(refusal.count == 5 && refusal.firstAt == 5 && refusal.lastAt == 6 && refusal.detail == "again")
    }

    @Test("Users, sessions and tokens: added, found, changed, expired and revoked", arguments: StoreBackend.allCases)
    func accounts(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        try await store.addUser("ana", role: .admin, passwordHash: "h1", at: 1)
        await #expect(throws: AccountError.self) {
            try await store.addUser("ana", role: .viewer, passwordHash: "h2", at: 2)
        }
        try await store.addUser("bo", role: .viewer, passwordHash: "h3", at: 3)
        #expect(try await store.users().map(\.name) == ["ana", "bo"])
        try await store.addSession(hash: "s1", SessionRecord(user: "bo", role: .viewer, csrf: "c", expiresAt: 100))
        #expect(try await store.session(hash: "s1", now: 50)?.record.user == "bo")
        #expect(try await store.session(hash: "s1", now: 50)?.ownerRole == .viewer)  // the user's role, read with it
        #expect(try await store.updateUser("bo", role: .operator, passwordHash: nil))
        #expect(try await store.session(hash: "s1", now: 50) == nil)  // a changed role ends the sessions
        #expect(try await store.user("bo")?.role == .operator)
        try await store.addSession(hash: "s2", SessionRecord(user: "bo", role: .operator, csrf: "c", expiresAt: 100))
        #expect(try await store.session(hash: "s2", now: 100) == nil)  // expired
        #expect(try await store.removeUser("bo"))
        #expect(try await !store.removeUser("bo"))
        // A token whose creator is gone is found, with no role behind it: authentication refuses it.
        _ = try await store.addToken(name: "orphan", role: .viewer, hash: "t0", createdBy: "bo", at: 4)
        let orphan = try await store.useToken(hash: "t0", at: 4)
        #expect(orphan?.record.name == "orphan" && orphan?.ownerRole == nil, "\(String(describing: orphan))")
        let id = try await store.addToken(name: "script", role: .viewer, hash: "t1", createdBy: "ana", at: 5)
        let used = try await store.useToken(hash: "t1", at: 70_000_000_000)
        #expect(used?.record.id == id && used?.ownerRole == .admin, "\(String(describing: used))")
        #expect(try await store.tokens().first?.lastUsedAt == 70_000_000_000)
        #expect(try await store.revokeToken(id, at: 80))
        #expect(try await !store.revokeToken(id, at: 81))
        #expect(try await store.useToken(hash: "t1", at: 90) == nil)
    }

    @Test(
        "One open alert per problem: a second opening finds the first; a second resolution does nothing",
        arguments: StoreBackend.allCases)
    func alertClaims(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let series = SeriesKey(gateway: "gw-a", name: "t")
        let first = try await store.openAlert(series: series, kind: .spike, score: 2, at: 10)
        let again = try await store.openAlert(series: series, kind: .level, score: 3, at: 11)
        #expect(first.opened && !again.opened && again.id == first.id)
        let silence = try await store.openAlert(
            series: SeriesKey(gateway: "gw-a", name: ""), kind: .silence, score: 1, at: 12)
        let backlog = try await store.openAlert(
            series: SeriesKey(gateway: "gw-a", name: ""), kind: .backlog, score: 1, at: 12)
        #expect(silence.opened && backlog.opened && silence.id != backlog.id)
        #expect(try await store.resolveAlert(first.id, at: 20, reason: "it is now this series' normal"))
        #expect(try await !store.resolveAlert(first.id, at: 21, reason: nil))
        #expect(
            try await store.alert(first.id)?.resolution == "it is now this series' normal", "why it resolved is kept")
        #expect(try await store.alert(silence.id)?.resolution == nil)
        let next = try await store.openAlert(series: series, kind: .spike, score: 2, at: 30)
        #expect(next.opened && next.id != first.id)
        #expect(
            try await store.alerts(in: [.firing], limit: 10).map(\.id).sorted()
                == [silence.id, backlog.id, next.id].sorted())
    }
}
