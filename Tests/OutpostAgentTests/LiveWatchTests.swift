import OutpostWire
import Testing

@testable import OutpostAgent

@Suite("Live values on demand: which watch documents count")
struct LiveWatchTests {
    let start = ContinuousClock.now
    let hubNow: Int64 = 1_790_000_000_000_000_000
    let second: Int64 = 1_000_000_000

    func document(gateway: String = "gw-1", issuedAfter: Int64 = 0, for seconds: Int64) -> WatchDocument {
        WatchDocument(gateway: gateway, issuedAt: hubNow + issuedAfter, until: hubNow + issuedAfter + seconds * second)
    }

    @Test("always and never ignore watching; on demand is idle until a document comes")
    func modes() {
        #expect(LiveWatch(mode: .always, gateway: "gw-1").isLive(at: start))
        #expect(!LiveWatch(mode: .never, gateway: "gw-1").isLive(at: start))
        var watch = LiveWatch(mode: .onDemand, gateway: "gw-1")
        #expect(!watch.isLive(at: start) && watch.state(at: start) == "idle")
        #expect(watch.receive(document(for: 90), hubNow: hubNow, at: start) == nil)
        #expect(watch.isLive(at: start + .seconds(89)) && watch.state(at: start) == "watched")
        #expect(!watch.isLive(at: start + .seconds(90)), "it runs out by itself")
        watch.cleared()
        #expect(!watch.isLive(at: start))
    }

    @Test("The deadline is read against the hub's clock as the agent knows it, and capped")
    func deadlines() {
        var watch = LiveWatch(mode: .onDemand, gateway: "gw-1")
        // The agent's clock is 30 s behind the hub's, as its acknowledgements measured.
        watch.receive(document(for: 90), hubNow: hubNow + 30 * second, at: start)
        #expect(watch.isLive(at: start + .seconds(59)) && !watch.isLive(at: start + .seconds(60)))
        // A document whose time is up is no watch at all.
        watch.receive(document(issuedAfter: 1, for: 0), hubNow: hubNow + second, at: start)
        #expect(!watch.isLive(at: start))
        // A document asking for a year is held to WatchDocument.longest.
        watch.receive(document(issuedAfter: 2, for: 365 * 86_400), hubNow: hubNow, at: start)
        #expect(watch.isLive(at: start + WatchDocument.longest - .seconds(1)))
        #expect(!watch.isLive(at: start + WatchDocument.longest))
        // Int64 at its ends does not trap.
        watch.receive(
            WatchDocument(gateway: "gw-1", issuedAt: .max, until: .max), hubNow: .min, at: start)
        #expect(watch.isLive(at: start) && !watch.isLive(at: start + WatchDocument.longest))
        watch = LiveWatch(mode: .onDemand, gateway: "gw-1")
        watch.receive(WatchDocument(gateway: "gw-1", issuedAt: .min, until: .min), hubNow: .max, at: start)
        #expect(!watch.isLive(at: start))
    }

    @Test("A document for another gateway, or older than the last one taken, is refused and said")
    func refusals() {
        var watch = LiveWatch(mode: .onDemand, gateway: "gw-1")
        #expect(watch.receive(document(gateway: "gw-2", for: 90), hubNow: hubNow, at: start)?.contains("gw-2") == true)
        #expect(!watch.isLive(at: start) && watch.lastRefusal?.contains("not this one") == true)
        #expect(watch.receive(document(issuedAfter: 10 * second, for: 5), hubNow: hubNow, at: start) == nil)
        // Replayed: the earlier, longer document comes again.
        #expect(watch.receive(document(for: 600), hubNow: hubNow, at: start)?.contains("replay") == true)
        #expect(!watch.isLive(at: start + .seconds(16)), "the replay did not stretch the watch")
        #expect(watch.lastIssuedAt == hubNow + 10 * second)
    }
}
