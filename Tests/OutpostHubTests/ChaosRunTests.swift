import OutpostBench
import OutpostTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The fault run of `outpost-bench chaos`, short: every fault kind once or more against real
/// processes, then the count to the last reading.
@Suite("The whole system under faults", Requires.installed(Broker.isAvailable, "mosquitto"))
struct ChaosRunTests {
    static let faultSeconds = 100.0

    @Test(
        "The schedule: every kind of fault at least once, never two on one resource at a time, the same for the same seed"
    )
    func schedule() {
        for seed in UInt64(1)...20 {
            let plan = ChaosPlan.make(
                seed: seed, seconds: 10 + Self.faultSeconds, gateways: 3, warmUp: 10, quotaFill: 45)
            #expect(Set(plan.map(\.kind)) == Set(ChaosFault.Kind.allCases), "seed \(seed): \(plan.map(\.kind))")
            #expect(plan.allSatisfy { $0.start >= 10 && $0.end <= 10 + Self.faultSeconds })
            #expect(plan.allSatisfy { $0.kind == .quotaReached ? $0.gateway == 2 : ($0.gateway ?? 0) < 2 })
            for (index, fault) in plan.enumerated() {
                for other in plan[(index + 1)...] where !Set(fault.resources).isDisjoint(with: other.resources) {
                    #expect(
                        other.start >= fault.end || fault.start >= other.end, "seed \(seed): \(fault) overlaps \(other)"
                    )
                }
            }
            #expect(
                plan
                    == ChaosPlan.make(
                        seed: seed, seconds: 10 + Self.faultSeconds, gateways: 3, warmUp: 10, quotaFill: 45))
        }
    }

    @Test(
        "Broker restarted, agent and hub killed, a link cut, acknowledgements lost, a device frozen, a quota filled, configurations pushed: nothing lost, nothing doubled"
    )
    func faultRun() async throws {
        let folder = try TemporaryFolder(prefix: "chaos")
        let report = try await ChaosRun(
            settings: .init(seconds: Self.faultSeconds, seed: 1, gateways: 3), root: folder.path + "/run"
        ).run()
        #expect(report.passed, "\(report.text)\nlogs in \(folder.path)/run")
        #expect(Set(report.faults.map(\.kind)) == Set(ChaosFault.Kind.allCases))
        // The faults did happen: they are visible in what the run counted.
        #expect(report.acknowledgementsDropped > 0, "\(report.text)")
        #expect((report.quotaEvictions.values.first ?? 0) > 0, "the quota fault evicted nothing: \(report.text)")
        #expect(report.gateways.contains { $0.badQuality > 0 }, "the frozen device left no bad-quality reading")
        #expect(report.gateways.allSatisfy { $0.stored > 0 && $0.sent >= $0.stored - $0.duplicated })
        // Configurations were pushed through the hub mid-run, and each reached its gateway.
        #expect(report.configurationPushes.accepted > 0, "\(report.text)")
        #expect(!report.configurationStates.isEmpty, "\(report.text)")
        #expect(report.configurationStates.values.allSatisfy { !$0.hasPrefix("pending") }, "\(report.text)")
        folder.keep = !report.passed
    }
}
