import OutpostWire
import Testing

@testable import OutpostAgent

@Suite("The outbox's commit records")
struct SegmentTests {
    let clock = ClockReading(
        state: .synchronised, bootID: .zero, monotonic: 123_456_789, wall: 1_700_000_000_000_000_000)
    let tick: Int64 = 1_000_000_000

    @Test("A commit's readings come back exactly: quantised, float, bad quality, irregular times, interleaved series")
    func roundTrip() throws {
        let base: Int64 = 1_700_000_000_000_000_000
        let resolutions: [Int64: Resolution] = [
            1: try #require(Resolution(parsing: "0.1")), 3: try #require(Resolution(parsing: "1")),
        ]
        var readings: [Segment.Reading] = []
        for index in 0..<10 {
            let time = base + Int64(index) * tick
            readings.append(.init(series: 1, sample: Sample(timestamp: time, value: 20 + Double(index % 3) / 10)))
            readings.append(.init(series: 2, sample: Sample(timestamp: time + 17, value: .pi * Double(index))))
            let quality = index == 4 ? Quality(.bad, code: 7) : .good
            readings.append(
                .init(
                    series: 3,
                    sample: Sample(timestamp: time - Int64(index) * 999, value: Double(-index * 1000), quality: quality)
                ))
        }
        // A quantised series with one value no step can hold.
        readings.append(.init(series: 1, sample: Sample(timestamp: base + 11 * tick, value: .infinity)))
        let bytes = Segment.encode(readings, resolutions: resolutions, clock: clock)
        let decoded = try Segment.decode(bytes, resolutions: resolutions)
        #expect(decoded.clockState == .synchronised && decoded.monotonic == clock.monotonic)
        for series: Int64 in [1, 2, 3] {
            let sent = readings.filter { $0.series == series }.map(\.sample)
            let got = decoded.readings.filter { $0.series == series }.map(\.sample)
            #expect(got.count == sent.count)
            for (a, b) in zip(sent, got) {
                #expect(a.timestamp == b.timestamp && a.quality == b.quality)
                #expect(a.value == b.value || abs(a.value - b.value) < 1e-9, "\(a.value) vs \(b.value)")
            }
        }
    }

    @Test("Readings on a regular tick cost under 1.7 bytes each: no timestamp byte after the first")
    func compact() throws {
        let resolutions = Dictionary(uniqueKeysWithValues: (0..<100).map { (Int64($0), Resolution(parsing: "0.01")!) })
        var readings: [Segment.Reading] = []
        for second in 0..<10 {
            for series in 0..<100 {
                let value = 230 + Double((series * 7 + second) % 5) / 100
                readings.append(
                    .init(series: Int64(series), sample: Sample(timestamp: Int64(second) * tick, value: value)))
            }
        }
        let bytes = Segment.encode(readings, resolutions: resolutions, clock: clock)
        #expect(bytes.count < 1700, "\(bytes.count) bytes for 1,000 readings")
        #expect(try Segment.decode(bytes, resolutions: resolutions).readings.count == 1000)
    }

    @Test("A commit of one reading per series (every second) costs under 5.2 bytes a reading; long runs read back")
    func oneReadingPerSeries() throws {
        let resolutions = Dictionary(uniqueKeysWithValues: (0..<100).map { (Int64($0), Resolution(parsing: "0.01")!) })
        let single = (0..<100).map {
            Segment.Reading(series: Int64($0), sample: Sample(timestamp: 5 * tick, value: 230 + Double($0) / 100))
        }
        let bytes = Segment.encode(single, resolutions: resolutions, clock: clock)
        #expect(bytes.count < 520, "\(bytes.count) bytes for 100 readings")
        let back = try Segment.decode(bytes, resolutions: resolutions).readings
        #expect(back.map(\.sample.timestamp) == single.map(\.sample.timestamp))
        #expect(back.map { ($0.sample.value * 100).rounded() } == single.map { ($0.sample.value * 100).rounded() })
        // More than 15 readings of a series: the count no longer fits in the flags byte.
        let long = (0..<40).map {
            Segment.Reading(
                series: 7, sample: Sample(timestamp: Int64($0) * tick + ($0 == 20 ? 3 : 0), value: Double($0)))
        }
        let decoded = try Segment.decode(
            Segment.encode(long, resolutions: resolutions, clock: clock), resolutions: resolutions)
        #expect(decoded.readings.map(\.sample.timestamp) == long.map(\.sample.timestamp))
        #expect(
            decoded.readings.map { ($0.sample.value * 100).rounded() } == long.map { ($0.sample.value * 100).rounded() }
        )
    }

    @Test("A version 2 record, written by an older agent, is still read")
    func versionTwo() throws {
        // S 2, synchronised, monotonic 5, base 1000, interval 10, one group: series 1, two
        // readings, quantised and good; timestamps +0 then a delta-of-delta of 0; values 25, +1.
        var writer = ByteWriter(capacity: 64)
        writer.write(Array("S".utf8) + [2, ClockState.synchronised.rawValue])
        writer.writeVarInt(5)
        writer.writeVarInt(1000)
        writer.writeVarInt(10)
        writer.writeVarUInt(1)
        writer.writeVarUInt(1); writer.writeVarUInt(2); writer.write(3)
        writer.writeVarInt(0); writer.writeVarInt(25)
        writer.writeVarInt(0); writer.writeVarInt(1)
        let segment = try Segment.decode(writer.bytes, resolutions: [1: try #require(Resolution(parsing: "0.1"))])
        #expect(segment.readings.map(\.sample.timestamp) == [1000, 1010])
        #expect(segment.readings.map { ($0.sample.value * 10).rounded() } == [25, 26])
    }

    @Test("A version 1 record, written by an older agent, is still read")
    func versionOne() throws {
        // S 1, synchronised, monotonic 5, base 1000, two readings: series 1 at +0 value 25 × 0.1,
        // series 2 at +3 a float64 with a bad quality (level 2, code 9).
        var writer = ByteWriter(capacity: 64)
        writer.write(Array("S".utf8) + [1, ClockState.synchronised.rawValue])
        writer.writeVarInt(5)
        writer.writeVarInt(1000)
        writer.writeVarUInt(2)
        writer.writeVarUInt(1); writer.writeVarUInt(0); writer.write(0); writer.writeVarInt(25)
        writer.writeVarUInt(2); writer.writeVarUInt(3); writer.write(3); writer.write(2); writer.write(9);
        writer.writeDouble(1.5)
        let segment = try Segment.decode(writer.bytes, resolutions: [1: try #require(Resolution(parsing: "0.1"))])
        #expect(segment.readings.count == 2)
        #expect(segment.readings[0].series == 1 && segment.readings[0].sample.timestamp == 1000)
        #expect(abs(segment.readings[0].sample.value - 2.5) < 1e-12)
        #expect(
            segment.readings[1].sample
                == Sample(timestamp: 1003, value: 1.5, quality: Quality(.init(rawValue: 2)!, code: 9)))
    }

    @Test("Damaged records are refused with the field named, never misread")
    func damaged() throws {
        let readings = (0..<20).map {
            Segment.Reading(series: 1, sample: Sample(timestamp: Int64($0) * tick, value: Double($0)))
        }
        let bytes = Segment.encode(readings, resolutions: [1: try #require(Resolution(parsing: "1"))], clock: clock)
        for cut in stride(from: 1, to: bytes.count, by: 3) {
            #expect(throws: WireError.self) {
                try Segment.decode(Array(bytes[..<cut]), resolutions: [1: Resolution(parsing: "1")!])
            }
        }
        #expect(throws: WireError.self) { try Segment.decode(bytes, resolutions: [:]) }
    }
}
