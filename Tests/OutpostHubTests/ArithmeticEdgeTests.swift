// The arithmetic behind the hub's boundaries, driven with the values an attacker would pick.
import Foundation
import Logging
import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Arithmetic at the edges of Int64")
struct ArithmeticEdgeTests {
    static let edges: [Int64] = [
        .min, .min + 1, .min + 59_999_999_999, .min + 60_000_000_000, -3_600_000_000_001, -1, 0, 1, 59_999_999_999,
        60_000_000_000, TimeWindow.upperBound, .max - 1, .max,
    ]

    @Test(
        "bucket(of:) holds its promises for every Int64: a multiple of the width, at or below the time, within one width",
        arguments: RollupLevel.allCases)
    func bucketProperty(level: RollupLevel) {
        var generator = SystemRandomNumberGenerator()
        let random = (0..<20_000).map { _ in Int64.random(in: .min ... .max, using: &generator) }
        var previous: (Int64, Int64)?
        for timestamp in (Self.edges + random).sorted() {
            let start = level.bucket(of: timestamp)
            #expect(start % level.width == 0, "\(timestamp): \(start)")
            if timestamp >= Int64.min + level.width {
                #expect(start <= timestamp && timestamp - start < level.width, "\(timestamp): \(start)")
            }
            if let (earlier, earlierStart) = previous, earlier <= timestamp {
                #expect(earlierStart <= start, "monotonic")
            }
            previous = (timestamp, start)
        }
    }

    @Test("A chunk whose clock correction carries it outside 1970-2200 (or past Int64) is refused as implausible_time")
    func correctedOutOfWindow() throws {
        let chunk = try Chunk(
            encoding: SampleColumns(timestamps: [1_000, 2_000], values: [1, 2]), resolution: nil,
            clockSynchronised: false,
            firstMonotonic: 5)
        let series = [SeriesDescriptor(id: 0, name: "x")]
        for offset in [Int64.max - 2, Int64.min + 2, TimeWindow.upperBound] {
            #expect {
                try IngestPlan(
                    series: series, chunks: [FrameChunk(seriesID: 0, chunk: chunk)],
                    clock: BootClock(offset: offset, exact: false))
            } throws: { error in
                guard case .implausibleTime = error as? WireError else { return false }
                return (error as? WireError)?.reasonCode == .implausibleTime
            }
        }
        let fine = try IngestPlan(
            series: series, chunks: [FrameChunk(seriesID: 0, chunk: chunk)], clock: BootClock(offset: 10, exact: false))
        #expect(fine.readingCount == 2)
    }

    @Test("The silence and clock-jump watch takes frames with any monotonic time and wall offset without trapping")
    func watchExtremes() {
        var watch = GatewayWatch()
        let boot: [UInt8] = [1]
        for (index, monotonic) in Self.edges.enumerated() {
            _ = watch.frame(
                "gw", at: Int64(index), boot: boot, createdMonotonic: monotonic,
                wallMinusMonotonic: Self.edges[Self.edges.count - 1 - index], synchronised: true)
        }
        _ = watch.frame("gw", at: 100, boot: boot, createdMonotonic: .max, wallMinusMonotonic: .min, synchronised: true)
        let actions = watch.frame(
            "gw", at: 101, boot: boot, createdMonotonic: .max, wallMinusMonotonic: .max, synchronised: true)
        #expect(actions.isEmpty || actions.contains { if case .open = $0 { true } else { false } })
        _ = watch.check(at: .max)
        _ = watch.check(at: .min)
    }

    @Test(
        "Times format from 1677 to 2262 without a trap, and CSV lines outside the window are named",
        arguments: ArithmeticEdgeTests.edges)
    func formatting(timestamp: Int64) {
        let text = TimeArgument.format(timestamp)
        #expect(text.hasSuffix("Z") && text.count >= 30, "\(text)")
        if timestamp > Int64.min + 1_000_000_000, timestamp < Int64.max - 1_000_000_000 {
            #expect(TimeArgument.parseRFC3339(text) == timestamp, "\(text) reads back")
        }
    }

    @Test("Refusal rows past their age or beyond the cap are pruned, newest kept", arguments: StoreBackend.allCases)
    func refusalPruning(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        for index in 0..<6 {
            try await store.recordRefusal(
                gateway: "gw-\(index)", reason: "bad_magic", detail: "d", count: 1, at: Int64(index) * 1_000)
        }
        try await store.pruneRefusals(before: 1_000, keeping: 100)
        #expect(try await store.refusals().map(\.gateway).sorted() == ["gw-1", "gw-2", "gw-3", "gw-4", "gw-5"])
        try await store.pruneRefusals(before: 0, keeping: 3)
        #expect(try await store.refusals().map(\.gateway) == ["gw-5", "gw-4", "gw-3"])
        #expect(try await store.refusals(limit: 2, offset: 1).map(\.gateway) == ["gw-4", "gw-3"])
    }

    @Test("Webhook URLs appear in logs as scheme and host only")
    func redactedWebhooks() {
        #expect(
            WebhookNotifier.redacted("https://hooks.slack.com/services/T0/B0/secret") == "https://hooks.slack.com/…")
        #expect(
            WebhookNotifier.redacted("https://user:pass@ops.example:8443/hook?token=abc")
                == "https://ops.example:8443/…")
        #expect(WebhookNotifier.redacted("not a url") == "(a webhook)")
    }

    @Test("An unknown name is checked against a decoy hash of the configured bcrypt cost")
    func decoyCost() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteHubStore(path: folder.file("hub.db"))
        #expect(try await Accounts(store: store, bcryptCost: 4).decoyHash.hasPrefix("$2b$04$"))
        #expect(try await Accounts(store: store, bcryptCost: 6).decoyHash.hasPrefix("$2b$06$"))
        let outcome = try await Accounts(store: store, bcryptCost: 4).login(
            "nobody", password: "whatever it is", client: "c")
        guard case .refused = outcome else {
            Issue.record("an unknown name was not refused: \(outcome)")
            return
        }
    }
}
