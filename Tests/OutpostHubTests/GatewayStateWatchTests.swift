import Logging
import OutpostHub
import OutpostTestSupport
import Testing

@Suite("Gateway states reach the live feed as they change")
struct GatewayStateWatchTests {
    @Test(
        "A status, a frame, silence and a revocation each push one state change; a frame from a gateway already online pushes and reads nothing",
        arguments: StoreBackend.allCases)
    func pushesChanges(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let feed = LiveFeed()
        let client = try #require(feed.connect())
        let watch = GatewayStateWatch(
            store: store, feed: feed, silentAfter: .seconds(300), logger: Logger(label: "test"))
        let minute: Int64 = 60_000_000_000
        let start: Int64 = 1_800_000_000_000_000_000
        try await store.enrol(
            gateway: "gw-1", publicKey: [UInt8](repeating: 4, count: 64), latitude: nil, longitude: nil, at: start)
        var messages = client.messages.makeAsyncIterator()
        func next() async -> String { await messages.next() ?? "" }

        watch.changed("gw-1", at: start)
        #expect(await next().contains(#""type":"gateway","gateway":{"id":"gw-1","state":"offline""#))

        try await store.recordStatus(gateway: "gw-1", report: GatewayStatusReport(online: true), at: start &+ minute)
        watch.changed("gw-1", at: start &+ minute)
        #expect(await next().contains(#""state":"online""#))

        // The feed counts a push just after handing it over: wait for the count to catch up.
        #expect(await eventually(timeout: .seconds(10)) { feed.pushed == 2 })
        let pushed = 2
        watch.frameStored(from: "gw-1", at: start &+ 2 &* minute)
        await watch.settle()
        #expect(feed.pushed == pushed, "a frame of a gateway already online changes nothing")

        watch.tick(at: start &+ 4 &* minute)  // before the silence: nothing due
        await watch.settle()
        #expect(feed.pushed == pushed)
        watch.tick(at: start &+ 8 &* minute)  // five minutes after the last news
        #expect(await next().contains(#""state":"silent""#))

        #expect(try await store.revoke(gateway: "gw-1", at: start &+ 9 &* minute))
        watch.changed("gw-1", at: start &+ 9 &* minute)
        #expect(await next().contains(#""state":"revoked""#))
        watch.changed("gw-unknown", at: start &+ 9 &* minute)
        await watch.settle()
        #expect(
            await eventually(timeout: .seconds(10)) { feed.pushed == pushed + 2 },
            "a gateway the hub never heard of pushes nothing")
    }

    @Test("Nobody watching: nothing is read or pushed; the first news once a client connects is read and pushed")
    func unwatched() async throws {
        let folder = try TemporaryFolder()
        let store = try await StoreBackend.sqlite.open(in: folder)
        let feed = LiveFeed()
        let watch = GatewayStateWatch(
            store: store, feed: feed, silentAfter: .seconds(300), logger: Logger(label: "test"))
        let start: Int64 = 1_800_000_000_000_000_000
        try await store.enrol(
            gateway: "gw-1", publicKey: [UInt8](repeating: 4, count: 64), latitude: nil, longitude: nil, at: start)
        try await store.recordStatus(gateway: "gw-1", report: GatewayStatusReport(online: true), at: start)
        watch.changed("gw-1", at: start)
        watch.frameStored(from: "gw-1", at: start)
        watch.tick(at: start &+ 600_000_000_000)
        await watch.settle()
        #expect(feed.pushed == 0)

        let client = try #require(feed.connect())
        var messages = client.messages.makeAsyncIterator()
        watch.frameStored(from: "gw-1", at: start &+ 1)
        #expect(await messages.next()?.contains(#""id":"gw-1","state":"online""#) == true)
    }
}
