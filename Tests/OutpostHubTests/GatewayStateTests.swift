import Testing

@testable import OutpostHub

@Suite("A gateway's state in the fleet view")
struct GatewayStateTests {
    private func state(online: Bool, version: String?, seenAgo: Int64?, revoked: Bool = false) -> String {
        let now: Int64 = 1_800_000_000_000_000_000
        let record = GatewayRecord(
            id: "gw", enrolled: true, enrolledAt: 1, revokedAt: revoked ? 2 : nil,
            lastSeen: seenAgo.map { now - $0 * 1_000_000_000 }, agentVersion: version, backlogReadings: 0,
            clockOffset: 0,
            clockState: "synchronised", online: online, latitude: nil, longitude: nil, seriesCount: 1)
        return GatewayOverview(record: record, now: now, silentAfter: .seconds(300)).state
    }

    @Test("Its own status decides online and offline; a gateway that never sent one is judged by its frames")
    func states() {
        #expect(state(online: true, version: "0.1.0", seenAgo: 5) == "online")
        #expect(state(online: false, version: "0.1.0", seenAgo: 5) == "offline", "its last will said offline")
        #expect(state(online: true, version: "0.1.0", seenAgo: 600) == "silent")
        #expect(state(online: false, version: nil, seenAgo: 5) == "online", "frames over HTTP keep coming")
        #expect(state(online: false, version: nil, seenAgo: 600) == "silent")
        #expect(state(online: false, version: nil, seenAgo: nil) == "offline", "never heard from")
        #expect(state(online: true, version: "0.1.0", seenAgo: 5, revoked: true) == "revoked")
    }
}
