import Logging
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

@testable import OutpostAgent

@Suite("The data budget: periods, the reserve, and batches sent as minute summaries")
struct DataBudgetTests {
    let day: Int64 = 86_400_000_000_000
    /// 2026-12-31 00:00:00 UTC.
    let newYearsEve: Int64 = Int64(CivilDate.days(year: 2026, month: 12, day: 31)) * 86_400_000_000_000

    @Test("Days and calendar months in UTC, at the ends of time too")
    func periods() {
        let december = DataBudget.period(of: newYearsEve + day - 1, .month)
        #expect(DataBudget.period(of: newYearsEve + day, .month) == december + 1)
        #expect(DataBudget.end(of: december, .month) == newYearsEve + day)
        let february2028 = DataBudget.period(of: Int64(CivilDate.days(year: 2028, month: 2, day: 10)) * day, .month)
        #expect(DataBudget.end(of: february2028, .month) == Int64(CivilDate.days(year: 2028, month: 3, day: 1)) * day)
        #expect(DataBudget.period(of: -1, .day) == -1 && DataBudget.period(of: 0, .day) == 0)
        #expect(DataBudget.end(of: DataBudget.period(of: newYearsEve + 5, .day), .day) == newYearsEve + day)
        for wall in [Int64.min, Int64.max, 0, -1] {
            for kind in [DataBudget.Period.day, .month] {
                let period = DataBudget.period(of: wall, kind)
                #expect(DataBudget.end(of: period, kind) >= wall || wall == .max)
                _ = DataBudget.end(of: .max, kind)
                _ = DataBudget.end(of: .min, kind)
            }
        }
    }

    @Test("A new period starts at zero; a clock set back keeps the count; nothing overflows")
    func renewal() {
        var budget = DataBudget(limit: .init(bytes: 1_000, period: .day), period: 20_000, used: 900)
        #expect(!budget.fits(101) && budget.fits(100))
        let back = budget.roll(to: 19_999 * day)
        #expect(!back, "the clock went back a day")
        #expect(budget.used == 900 && budget.period == 19_999)
        let renewed = budget.roll(to: 20_000 * day + 5)
        #expect(renewed)
        #expect(budget.used == 0)
        budget.charge(Int.max)
        budget.charge(Int.max)
        #expect(budget.used == .max && !budget.fits(0))
        budget.charge(-5)
        #expect(budget.used == .max)
        #expect(budget.reserve(rate: .infinity, at: 0) == .max && budget.reserve(rate: .nan, at: 0) == 0)
        #expect(budget.reserve(rate: 10, at: 20_000 * day + day / 2) == 432_000)
    }

    /// A keeper on a settable clock.
    final class Clock: Sendable {
        let now: Mutex<Int64>
        init(_ start: Int64) { now = Mutex(start) }
        var read: @Sendable () -> Int64 { { self.now.withLock { $0 } } }
    }

    @Test("Readings go while the rest of the day's summaries and status fit; then summaries; then nothing")
    func keeper() {
        let clock = Clock(newYearsEve + day / 2)  // noon: 43,200 s to go
        let budget = LinkBudget(
            limit: .init(bytes: 5_250_000, period: .day), stored: nil, statusInterval: .seconds(30),
            keepalive: .seconds(30), tls: false, wall: clock.read)
        // Summaries of 5 minutes cost 3 kB (10 B/s), the status 0.8 kB every 4 minutes while
        // summarising (3.5 B/s): with keepalives and a fifth more, 0.72 MB to midnight.
        #expect(!budget.summarise(readingsBytes: 30_000, summaryBytes: 3_000, span: .seconds(300)))
        #expect(budget.document.sending == "readings")
        #expect(budget.take(.readings, bytes: 4_500_000))
        // 0.75 MB left, 0.72 MB needed for the rest of the day: a 100 kB batch no longer fits.
        #expect(budget.summarise(readingsBytes: 100_000, summaryBytes: 3_000, span: .seconds(300)))
        #expect(!budget.take(.readings, bytes: 100_000) && !budget.take(.live, bytes: 100_000))
        #expect(budget.take(.summary, bytes: 3_000) && budget.take(.status, bytes: 800))
        #expect(budget.document.sending == "summaries")
        #expect(budget.statusInterval(configured: .seconds(30)) == .seconds(240), "the status slows down")
        #expect(!budget.admits(.deferredReadings, bytes: 100_000) && budget.admits(.summary, bytes: 3_000))
        // Spent: nothing fits, not even the status.
        budget.charge(2_100_000)
        #expect(!budget.take(.status, bytes: 800) && budget.document.sending == "nothing")
        #expect(budget.document.used > 5_250_000, "received bytes are counted even past the limit")
        // Midnight: renewed, and the held readings fit again.
        clock.now.withLock { $0 = newYearsEve + day + 1 }
        #expect(budget.document.used == 0 && budget.document.sending == "readings")
        #expect(budget.statusInterval(configured: .seconds(30)) == .seconds(30))
        #expect(budget.admits(.deferredReadings, bytes: 100_000))
        #expect(budget.document.renewsAt == newYearsEve + 2 * day)
        // The count is saved when it moved by the threshold, and on demand.
        #expect(budget.unsaved(threshold: 1 << 40) == nil)
        #expect(budget.unsaved(threshold: 1 << 40, force: true)?.used == 0)
    }

    /// Sends every batch as summaries.
    struct AlwaysSummarise: SealingBudget {
        func summarise(readingsBytes: Int, summaryBytes: Int, span: Duration) -> Bool { true }
    }

    @Test("A batch sealed under the budget is a summary and its deferred readings, rebuilt alike after a restart")
    func sealing() async throws {
        let folder = try TemporaryFolder()
        let signer = GatewayFrameSigner.generate()
        let t0: Int64 = 1_790_000_000 * 1_000_000_000
        func open(rotation: Int64) throws -> Outbox {
            try Outbox(
                .init(
                    path: folder.file("outbox.db"), gatewayID: "gw-1", quota: 1 << 30, policy: .dropOldest,
                    journalRotationBytes: rotation), signer: signer, logger: Logger(label: "test"))
        }
        var catalog = SeriesCatalog()
        catalog.describe("t", unit: "°C", kind: .gauge, resolution: Resolution(parsing: "0.1"))
        let samples = (0..<600).map {
            SourceSample("t", at: t0 + Int64($0) * 1_000_000_000, 20 + Double(($0 * 37) % 251) / 10)
        }
        let clock = ClockReading(state: .synchronised, bootID: .zero, monotonic: 1, wall: t0 + 600_000_000_000)
        let outbox = try open(rotation: 1 << 20)
        let result = try await outbox.commit(
            samples, catalog: catalog, clock: clock, maxReadings: 50_000, maxAge: .seconds(300), force: true,
            budget: AlwaysSummarise())
        #expect(result.sealed == [1, 2])
        let verifier = GatewayKeyVerifier(keys: ["gw-1": signer.publicKey])
        let batches = try await outbox.unsent(limit: 10)
        let frames = try batches.map { try FrameDecoder().decode($0.frame, verifier: verifier) }
        #expect(frames.map(\.kind) == [.deferredReadings, .summary])
        #expect(batches.map(\.readings) == [600, 0], "the backlog counts each reading once")
        #expect(try await outbox.statistics().unsentReadings == 600)
        #expect(frames[0].sampleCount == 600)
        #expect(
            frames[1].summaries.reduce(0) { $0 + $1.count } == 600 && frames[1].summaries.count == 11,
            "t0 is 20 s into a minute")
        #expect(
            batches[1].frame.count * 3 < batches[0].frame.count,
            "\(batches[1].frame.count) vs \(batches[0].frame.count)")
        // Signatures are randomised: a rebuilt frame is the same frame up to its 69-byte trailer.
        let bodies = { (batches: [Outbox.StoredBatch]) in batches.map { [UInt8]($0.frame.dropLast(69)) } }
        #expect(try await outbox.unsent(limit: 10) { kind, _ in kind == .summary }.map(\.sequence) == [2])
        // Reopened (the journal replayed), then with the batches moved into the database.
        let reopened = try open(rotation: 1 << 20)
        #expect(bodies(try await reopened.unsent(limit: 10)) == bodies(batches))
        let moved = try open(rotation: 1)
        _ = try await moved.commit(
            [SourceSample("t", at: t0 + 700_000_000_000, 1)], catalog: catalog, clock: clock, maxReadings: 1,
            maxAge: .seconds(300))
        let all = try await moved.unsent(limit: 10)
        #expect(bodies(Array(all.prefix(2))) == bodies(batches) && all.count == 3)
        #expect(try await moved.unsent(limit: 10) { kind, _ in kind != .deferredReadings }.map(\.sequence) == [2, 3])
        try await moved.saveBudget(period: 20_000, used: 12_345)
        #expect(try moved.storedBudget().map { [$0.period, $0.used] } == [20_000, 12_345])
    }
}
