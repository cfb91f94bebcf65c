import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostAgent

/// The agent's compact live frames read by the hub: values at the series' resolution, only what
/// moved, lost frames mended, and the bytes it costs.
@Suite("Compact live frames from agent to hub")
struct LiveFrameExchangeTests {
    let start = ContinuousClock.now
    let t0: Int64 = 1_790_000_000_000_000_000

    func descriptions(_ count: Int) -> SeriesCatalog {
        var catalog = SeriesCatalog()
        for index in 0..<count {
            catalog.describe(
                "s\(index)", unit: "", kind: .gauge, resolution: index == 0 ? nil : Resolution(parsing: "0.01"))
        }
        return catalog
    }

    func samples(_ values: [Double], second: Int) -> [SourceSample] {
        values.enumerated().map { index, value in
            SourceSample(
                series: "s\(index)", sample: Sample(timestamp: t0 + Int64(second) * 1_000_000_000, value: value))
        }
    }

    @Test("The hub reads what the agent took, at the series' resolution; a lost delta frame costs nothing after it")
    func exchange() throws {
        var encoder = LiveEncoder(catalogID: 41)
        let hub = LiveValues()
        let catalog = descriptions(3)
        let firstFrame = encoder.frame(samples([0.1 + 0.2, 21.304, -3], second: 0), descriptions: catalog, at: start)
        let first = try #require(firstFrame)
        let read = try #require(try hub.update(gateway: "gw", document: first))
        #expect(read.values == ["s0": 0.1 + 0.2, "s1": 21.3, "s2": -3], "raw exactly, quantised to 0.01")
        #expect(read.time == t0)
        #expect(hub.catalog(of: "gw") == 44, "a new catalog id for each series added")
        // Nothing moved by a step: nothing is sent.
        let still = encoder.frame(samples([0.1 + 0.2, 21.301, -3.004], second: 1), descriptions: catalog, at: start)
        #expect(still == nil)
        // s1 moves; this frame is lost on the way.
        _ = encoder.frame(samples([0.1 + 0.2, 21.5, -3], second: 2), descriptions: catalog, at: start)
        let nextFrame = encoder.frame(samples([0.3, 21.5, -2.5], second: 3), descriptions: catalog, at: start)
        let next = try #require(nextFrame)
        let after = try #require(try hub.update(gateway: "gw", document: next))
        #expect(after.values == ["s0": 0.3, "s2": -2.5], "only what moved, read against the key frame")
        #expect(hub.document(of: "gw")?.time == t0 + 3_000_000_000)
    }

    @Test("A hub that lost the catalog (or restarted) asks for it, and reads again once it comes")
    func lostCatalog() throws {
        var encoder = LiveEncoder(catalogID: 1)
        let catalog = descriptions(2)
        _ = encoder.frame(samples([1, 2], second: 0), descriptions: catalog, at: start)  // lost
        let hub = LiveValues()
        let deltaFrame = encoder.frame(samples([1, 2.5], second: 1), descriptions: catalog, at: start)
        let delta = try #require(deltaFrame)
        #expect(try hub.update(gateway: "gw", document: delta) == nil, "not readable yet")
        #expect(hub.takeWanting() == ["gw"] && hub.takeWanting().isEmpty)
        encoder.hubHolds(hub.catalog(of: "gw"))  // the next watch document names none
        let againFrame = encoder.frame(samples([1, 2.5], second: 2), descriptions: catalog, at: start)
        let again = try #require(againFrame)
        #expect(try hub.update(gateway: "gw", document: again)?.values == ["s0": 1, "s1": 2.5])
        // A key frame goes out every LiveEncoder.keyEvery even when nothing moved.
        let key = encoder.frame([], descriptions: catalog, at: start + LiveEncoder.keyEvery)
        #expect(key == nil, "no new readings, nothing to send")
        let keyedFrame = encoder.frame(
            samples([1, 2.5], second: 40), descriptions: catalog, at: start + LiveEncoder.keyEvery)
        let keyed = try #require(keyedFrame)
        #expect(try hub.update(gateway: "gw", document: keyed)?.values.count == 2, "every series in a key frame")
    }

    @Test("100 series at 0.01 drifting a few steps a second: under 3 bytes a reading on the wire, MQTT header included")
    func bytesPerReading() throws {
        var encoder = LiveEncoder(catalogID: 1)
        let catalog = descriptions(100)
        let hub = LiveValues()
        var generator = SplitMix(seed: 7)
        var values = (0..<100).map { 20 + Double($0) / 10 }
        var bytes = 0
        var publishes = 0
        let seconds = 600
        for second in 0..<seconds {
            for index in values.indices where generator.nextBits() % 10 < 7 {
                values[index] += Double(Int(generator.nextBits() % 7) - 3) / 100
            }
            guard
                let frame = encoder.frame(
                    samples(values, second: second), descriptions: catalog, at: start + .seconds(second))
            else { continue }
            let read = try #require(try hub.update(gateway: "gw-017", document: frame))
            for (name, value) in read.values where name != "s0" {
                let index = Int(name.dropFirst())!
                #expect(abs(value - values[index]) < 0.005 + 1e-9, "\(name) at \(second)")
            }
            bytes += frame.count
            publishes += 1
        }
        // A QoS 0 PUBLISH: fixed header (2-3 bytes), topic length and topic, MQTT 5 properties (1).
        let header = 3 + 2 + GatewayTopics(gateway: "gw-017").live.utf8.count + 1
        let perReading = Double(bytes + publishes * header) / Double(seconds * 100)
        #expect(perReading <= 3, "\(perReading) bytes a reading")
        #expect(perReading > 1, "\(perReading): most values moved, so most were sent")
    }
}
