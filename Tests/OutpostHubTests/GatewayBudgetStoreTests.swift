import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("A gateway's data budget, as its status reports it, kept by every store")
struct GatewayBudgetStoreTests {
    @Test(
        "The budget reads back as reported; the last will keeps it; a status without one clears it",
        arguments: StoreBackend.allCases)
    func budget(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let budget = StatusDocument.Budget(
            limit: .max, period: "month", used: 17_250_000, renewsAt: 1_800_057_600_000_000_000, sending: "summaries")
        try await store.recordStatus(
            gateway: "gw-b", report: GatewayStatusReport(online: true, agentVersion: "1.3", budget: budget), at: 10)
        #expect(try await store.gateway("gw-b")?.budget == budget)
        // The last will holds only the state: what the gateway said before stands.
        try await store.recordStatus(gateway: "gw-b", report: GatewayStatusReport(online: false), at: 20)
        #expect(try await store.gateway("gw-b")?.budget == budget)
        try await store.recordStatus(
            gateway: "gw-b", report: GatewayStatusReport(online: true, agentVersion: "1.3"), at: 30)
        #expect(try await store.gateway("gw-b")?.budget == nil, "the budget was taken out of its configuration")
        // The fleet API shows it as reported.
        try await store.recordStatus(
            gateway: "gw-b", report: GatewayStatusReport(online: true, agentVersion: "1.3", budget: budget), at: 40)
        let record = try #require(try await store.gateway("gw-b"))
        let shown = API.Gateway(GatewayOverview(record: record, now: 50, silentAfter: .seconds(300)))
        #expect(shown.budget?.used == 17_250_000 && shown.budget?.sending == "summaries")
    }

    @Test("A status document's budget survives JSON both ways, and a hostile one is refused whole")
    func document() throws {
        var status = StatusDocument(state: StatusDocument.online)
        status.gateway = "gw-b"
        status.budget = StatusDocument.Budget(
            limit: 20_000_000, period: "day", used: 0, renewsAt: .min, sending: "readings")
        #expect(try StatusDocument(json: status.encoded()).budget == status.budget)
        let hostile =
            #"{"state":"online","budget":{"limit":"lots","period":"day","used":0,"renews_at":0,"sending":"x"}}"#
        #expect(throws: DocumentError.self) { try StatusDocument(json: Array(hostile.utf8)) }
    }
}
