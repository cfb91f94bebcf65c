import OutpostAgent
import OutpostSimulation
import Testing

@Suite("The simulated GPS receiver")
struct SimulatedGPSTests {
    /// Splits and parses what the receiver wrote, as the agent's serial source does.
    func parse(_ bytes: [UInt8]) -> (fixes: [[String: Double]], rejected: Int) {
        var splitter = LineSplitter()
        let parser = try? LineParser(.nmea)
        var fixes: [[String: Double]] = []
        var rejected = 0
        for line in splitter.feed(bytes) {
            switch parser?.parse(line) {
            case .values(let values): fixes.append(values)
            case .rejected: rejected += 1
            case .ignored, nil: break
            }
        }
        return (fixes, rejected + splitter.garbage)
    }

    @Test("Clean sentences parse to the track's position, speed and course")
    func cleanTrack() throws {
        let gps = SimulatedGPS(seed: 4, corruptOneIn: 0)
        for index in 0..<200 {
            let elapsed = Double(index) * 1.5
            let (fixes, rejected) = parse(
                gps.sentences(index: UInt64(index), elapsed: elapsed, unixTime: 1_790_000_000 + elapsed))
            #expect(rejected == 0)
            #expect(fixes.count == 2)
            let truth = gps.position(at: elapsed)
            for fix in fixes {
                #expect(abs(try #require(fix["latitude"]) - truth.latitude) < 1e-5)
                #expect(abs(try #require(fix["longitude"]) - truth.longitude) < 1e-5)
            }
            let rmc = try #require(fixes.first { $0["speed"] != nil })
            #expect(abs(try #require(rmc["speed"]) - gps.speed) < 0.06)
            #expect(rmc["valid"] == 1)
            let gga = try #require(fixes.first { $0["satellites"] != nil })
            #expect((7...11).contains(try #require(gga["satellites"])))
        }
    }

    @Test("The receiver moves: positions along the track differ")
    func moves() throws {
        let gps = SimulatedGPS(seed: 4, corruptOneIn: 0)
        let positions = (0..<10).map { gps.position(at: Double($0) * 10) }
        #expect(Set(positions.map(\.latitude)).count == 10)
        #expect(Set(positions.map(\.longitude)).count == 10)
    }

    @Test("Damaged fixes are refused, never read as positions, and the same seed damages the same fixes")
    func damage() {
        let gps = SimulatedGPS(seed: 9, corruptOneIn: 5)
        var damaged = 0
        var readings = 0
        for index in 0..<500 {
            let bytes = gps.sentences(
                index: UInt64(index), elapsed: Double(index), unixTime: 1_790_000_000 + Double(index))
            let (fixes, rejected) = parse(bytes)
            readings += fixes.count
            if rejected > 0 { damaged += 1 }
            let truth = gps.position(at: Double(index))
            for fix in fixes {
                #expect(abs((fix["latitude"] ?? 0) - truth.latitude) < 1e-5, "fix \(index): a damaged line was read")
            }
            #expect(
                bytes
                    == gps.sentences(
                        index: UInt64(index), elapsed: Double(index), unixTime: 1_790_000_000 + Double(index)))
        }
        // About one in five; bounds wide enough for any seed, tight enough to catch "never" or "always".
        #expect((50...150).contains(damaged), "\(damaged) damaged fixes")
        #expect(readings >= 2 * 500 - 2 * damaged)
    }
}
