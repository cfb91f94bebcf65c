import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

@testable import OutpostHub

/// What fleet management keeps, on both backends: configuration versions, the gateways'
/// reports, the audit log.
@Suite("The store: configuration versions, configuration reports and the audit log on every backend")
struct FleetStoreTests {
    @Test(
        "Versions numbered per gateway, read back byte for byte, the newest of each; reports kept across a last will",
        arguments: StoreBackend.allCases)
    func configurations(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let text = "[[modbus]]\nname = \"Zähler\"\t# a tab, a quote \" and \\ kept\n"
        let first = try await store.addConfiguration(
            gateway: "gw-a", toml: text, trialSeconds: 600, author: "ana", note: "", at: 10)
        let second = try await store.addConfiguration(
            gateway: "gw-a", toml: "", trialSeconds: 5, author: "bo", note: "back to agent.toml", at: 11)
        let other = try await store.addConfiguration(
            gateway: "gw-b", toml: "[buffer]\n", trialSeconds: 86_400, author: "ana", note: "n", at: 12)
        #expect([first.version, second.version, other.version] == [1, 2, 1])
        #expect(try await store.configurations(gateway: "gw-a") == [second, first])
        #expect(try await store.configurations(gateway: "gw-a").last?.toml == text)
        #expect(try await store.configurations(gateway: "gw-none").isEmpty)
        #expect(try await store.newestConfigurations() == [second, other])
        // Many at once on one gateway: every version once.
        let versions = try await withThrowingTaskGroup(of: Int64.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try await store.addConfiguration(
                        gateway: "gw-c", toml: "", trialSeconds: 600, author: "\(index)", note: "", at: 20
                    )
                    .version
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(versions.sorted() == Array(1...8))

        let key = [UInt8](repeating: 9, count: 64)
        try await store.enrol(gateway: "gw-a", publicKey: key, latitude: nil, longitude: nil, at: 1)
        let report = RemoteConfigurationStatus(
            applied: 1, failed: 2, outcome: "rolled_back", reason: "no batch acknowledged", refusal: "forged")
        // A release report beside it, with a reason that holds a quote, a tab and non-ASCII text.
        let release = ReleaseStatus(
            running: "0.2.0", failed: "0.3.0", outcome: "rolled_back",
            reason: "it exited with status 3 before it was confirmed: \"Zähler\"\t")
        try await store.recordStatus(
            gateway: "gw-a",
            report: GatewayStatusReport(online: true, agentVersion: "0.2.0", configuration: report, release: release),
            at: 30)
        try await store.recordStatus(gateway: "gw-a", report: GatewayStatusReport(online: false), at: 31)
        #expect(try await store.gateway("gw-a")?.configuration == report, "a last will keeps the last report")
        #expect(try await store.gateway("gw-a")?.release == release, "and the last release report")
        #expect(try await store.gateway("gw-b")?.release == nil)
    }

    @Test(
        "A status's release report: read from the agent's document, shown by the fleet API, a hostile one refused whole"
    )
    func releaseReport() throws {
        var status = StatusDocument(state: StatusDocument.online)
        (status.gateway, status.version, status.time) = ("gw-r", "0.2.0", 1)
        status.release = ReleaseStatus(running: "0.2.0", trial: "0.3.0")
        let report = GatewayStatusReport(try StatusDocument(json: status.encoded()))
        #expect(report.release == status.release)
        var record = GatewayRecord(
            id: "gw-r", enrolled: true, enrolledAt: 1, revokedAt: nil, lastSeen: 2, agentVersion: "0.2.0",
            backlogReadings: 0, clockOffset: 0, clockState: "synchronised", online: true, latitude: nil,
            longitude: nil, seriesCount: 0)
        record.release = report.release
        let shown = API.Gateway(GatewayOverview(record: record, now: 3, silentAfter: .seconds(300)))
        #expect(shown.release?.trial == "0.3.0")
        // The last will says nothing about releases: what the gateway said before stands.
        #expect(GatewayStatusReport(try StatusDocument(json: StatusDocument.lastWill)).release == nil)
        let valid = String(decoding: status.encoded(), as: UTF8.self)
        let part = #""release":{"running":"0.2.0","trial":"0.3.0"}"#
        #expect(valid.contains(part), "\(valid)")
        for hostile in [#""release":{"running":5}"#, #""release":"0.2.0""#, #""release":{"reason":[]}"#] {
            #expect(throws: DocumentError.self, "\(hostile)") {
                try StatusDocument(json: Array(valid.replacingOccurrences(of: part, with: hostile).utf8))
            }
        }
    }

    @Test("The audit log: appended, newest first, paged, by target", arguments: StoreBackend.allCases)
    func audit(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        for index in 1...5 {
            try await store.audit(
                AuditEntry(
                    at: Int64(index), actor: "ana", source: "10.0.0.\(index)", action: "config.push",
                    target: index % 2 == 0 ? "gw-even" : "gw-odd", detail: "v\(index)"))
        }
        let all = try await store.auditLog(target: nil, before: nil, limit: 10)
        #expect(all.map(\.detail) == ["v5", "v4", "v3", "v2", "v1"])
        #expect(all.first?.source == "10.0.0.5" && all.first?.at == 5 && all.first?.actor == "ana")
        let page = try await store.auditLog(target: nil, before: all[1].id, limit: 2)
        #expect(page.map(\.detail) == ["v3", "v2"])
        #expect(try await store.auditLog(target: "gw-even", before: nil, limit: 10).map(\.detail) == ["v4", "v2"])
        #expect(try await store.auditLog(target: "nobody", before: nil, limit: 10).isEmpty)
    }

    @Test(
        "Labels set and read back; rollouts stored with their targets, updated, listed",
        arguments: StoreBackend.allCases)
    func rollouts(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        try await store.enrol(
            gateway: "gw-a", publicKey: [UInt8](repeating: 9, count: 64), latitude: nil, longitude: nil, at: 1)
        #expect(try await store.setLabels(gateway: "gw-a", ["site": "north", "kind": "boiler-room"]))
        #expect(try await !store.setLabels(gateway: "gw-none", ["site": "x"]))
        #expect(try await store.gateway("gw-a")?.labels == ["site": "north", "kind": "boiler-room"])
        var first = Rollout(
            createdAt: 5, author: "ana", note: "n", toml: "[buffer]\n", trialSeconds: 60, canary: 1, haltShare: 0.25,
            selector: "label site=north", targets: [.init(gateway: "gw-a"), .init(gateway: "gw-b")])
        first.id = try await store.addRollout(first)
        var second = first
        second.id = try await store.addRollout(second)
        #expect(try await store.rollout(first.id) == first)
        first.targets[0] = .init(gateway: "gw-a", version: 3, pushedAt: 6, state: "failed", detail: "rolled_back: x")
        first.targets[1].state = "skipped"
        (first.state, first.reason) = (Rollout.halted, "1 of 1 failed")
        try await store.updateRollout(first)
        #expect(try await store.rollout(first.id) == first)
        #expect(try await store.rollouts(running: true, limit: 10).map(\.id) == [second.id])
        #expect(try await store.rollouts(running: false, limit: 10).map(\.id) == [second.id, first.id])
        #expect(try await store.rollout(999) == nil)
    }
}

/// Two rollout runners on one store: on PostgreSQL (hub replicas) the second waits its turn.
@Suite("The store: rollout runners take turns")
struct RolloutTurnTests {
    final class Flags: Sendable {
        let entered = Mutex(false)
        let released = Mutex(false)
    }

    @Test(
        "While one runner moves rollouts, another on the same PostgreSQL store does not; SQLite has one hub",
        arguments: StoreBackend.allCases)
    func turns(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let flags = Flags()
        let first = Task {
            try await store.movingRollouts {
                flags.entered.withLock { $0 = true }
                _ = await eventually(timeout: .seconds(30)) { flags.released.withLock { $0 } }
            }
        }
        #expect(await eventually { flags.entered.withLock { $0 } })
        let second = try await store.movingRollouts {}
        #expect(second == (backend == .sqlite), "\(backend): the second runner \(second ? "ran" : "waited")")
        flags.released.withLock { $0 = true }
        #expect(try await first.value)
        #expect(try await store.movingRollouts {}, "free again once the first is done")
    }
}
