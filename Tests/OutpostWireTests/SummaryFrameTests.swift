import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Summary frames: minutes of readings held back by a data budget")
struct SummaryFrameTests {
    let series = [
        SeriesDescriptor(id: 0, name: "boiler.temperature", unit: "°C", resolution: Resolution(parsing: "0.1")),
        SeriesDescriptor(id: 1, name: "flow", unit: "m3/h"),
        SeriesDescriptor(id: 2, name: "pulses", kind: .counter, resolution: Resolution(parsing: "1")),
    ]
    let start: Int64 = 1_789_999_997_000_000_000  // 17 s into a minute

    /// Five minutes at 1 Hz of three series, some readings bad or not finite.
    func summaries() -> MinuteSummaries {
        var random = SplitMix(seed: 26)
        var summaries = MinuteSummaries()
        for second in 0..<300 {
            let time = start + Int64(second) * 1_000_000_000 + 250_000_000
            let temperature = 60 + random.next() / 37
            summaries.add(
                Sample(timestamp: time, value: temperature, quality: second % 97 == 5 ? Quality(.bad) : .good),
                series: 0,
                resolution: series[0].resolution)
            summaries.add(
                Sample(timestamp: time, value: second == 42 ? .nan : Double(second) / 3), series: 1, resolution: nil)
            summaries.add(
                Sample(timestamp: time, value: Double(second * 7)), series: 2, resolution: series[2].resolution)
        }
        return summaries
    }

    func frame(_ entries: [MinuteSummary]) -> BatchFrame {
        BatchFrame(
            summarising: "gw-01", sequence: 9, bootID: BootID(bytes: [UInt8](repeating: 7, count: 16)) ?? .zero,
            clockState: .synchronised, createdAt: start + 300_000_000_000, createdMonotonic: 5_000_000_000,
            series: series, summaries: entries)
    }

    @Test("A summary frame reads back as written, each minute's figures those of its quantised readings")
    func roundTrip() throws {
        let entries = summaries().summaries
        // 300 s starting 17 s into a minute touch 6 minutes of each series.
        #expect(entries.count == 18)
        let bytes = try frame(entries).encoded(signer: UnsignedFrameSigner())
        let decoded = try FrameDecoder().decode(bytes, verifier: AcceptAnySignature())
        #expect(decoded.kind == .summary && decoded.chunks.isEmpty)
        #expect(decoded.summaries.count == entries.count)
        for (read, written) in zip(decoded.summaries, entries) {
            #expect(read.seriesID == written.seriesID && read.minute == written.minute)
            #expect(read.count == written.count && read.validCount == written.validCount)
            #expect(read.min == written.min && read.max == written.max && read.last == written.last)
            #expect(abs(read.sum - written.sum) <= 1e-9 * max(1, abs(written.sum)))
            #expect(read.newest == written.newest)
        }
        let first = try #require(decoded.summaries.first)
        #expect(first.count == 43 && first.newest == start + 42_250_000_000, "17 s into the minute: 43 readings")
        let flow = decoded.summaries.filter { $0.seriesID == 1 }
        #expect(flow.reduce(0) { $0 + $1.count } == 300 && flow.reduce(0) { $0 + $1.validCount } == 299)
        let temperatures = decoded.summaries.filter { $0.seriesID == 0 }
        #expect(temperatures.allSatisfy { $0.min == (($0.min * 10).rounded() / 10) }, "values are quantised")
        // A quantised series' minute costs at most 16 bytes: a quarter of a byte a reading at 1 Hz.
        let quantised = entries.filter { $0.seriesID == 0 }
        let empty = try frame([]).encoded(signer: UnsignedFrameSigner()).count
        let withTemperatures = try frame(quantised).encoded(signer: UnsignedFrameSigner()).count
        #expect(withTemperatures - empty <= 16 * quantised.count, "\(withTemperatures - empty) bytes")
        #expect(try FrameJSON.binary(fromJSON: FrameJSON.render(decoded)) == bytes, "JSON carries it bit for bit")
    }

    @Test("Frames of readings deferred by a budget keep their kind through binary and JSON")
    func deferredKind() throws {
        let chunk = try Chunk(
            encoding: SampleColumns(timestamps: [start], values: [1.5], qualities: nil), resolution: nil,
            clockSynchronised: true, firstMonotonic: 1)
        var deferred = BatchFrame(
            gatewayID: "gw-01", sequence: 3, bootID: BootID(bytes: [UInt8](repeating: 1, count: 16)) ?? .zero,
            clockState: .synchronised, createdAt: start, createdMonotonic: 1, series: [series[1]],
            chunks: [FrameChunk(seriesID: 1, chunk: chunk)])
        deferred.kind = .deferredReadings
        let bytes = try deferred.encoded(signer: UnsignedFrameSigner())
        #expect(bytes[5] == 2)
        #expect(try FrameDecoder().decode(bytes, verifier: AcceptAnySignature()).kind == .deferredReadings)
        #expect(try FrameJSON.parse(FrameJSON.render(deferred)).kind == .deferredReadings)
    }

    @Test("Hostile summary frames are refused with the field that is wrong")
    func hostile() throws {
        let good = summaries().summaries
        func refusal(_ change: (inout [MinuteSummary]) -> Void) throws -> String {
            var entries = good
            change(&entries)
            var frame = frame(entries)
            frame.kind = .summary
            do {
                let bytes = try frame.encoded(signer: UnsignedFrameSigner())
                _ = try FrameDecoder().decode(bytes, verifier: AcceptAnySignature())
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(try refusal { $0[1].validCount = $0[1].count + 1 }.contains("summaries[1]"))
        #expect(try refusal { $0[1].validCount = -1 }.contains("summaries[1]"))
        #expect(try refusal { $0[2].count = 0 }.contains("summaries[2]"))
        #expect(try refusal { $0[3].newestMilliseconds = 60_000 }.contains("summaries[3]"))
        #expect(try refusal { $0.swapAt(0, 1) }.contains("summaries[1]"))
        #expect(try refusal { $0[0].seriesID = 99 }.contains("not in the dictionary"))
        // Minutes at the ends of Int64 time, and a raw entry whose last lies outside min…max.
        #expect(try refusal { $0[0].minute = .min }.contains("minute"))
        #expect(try refusal { $0[17].minute = .max }.contains("minute"))
        let flowIndex = try #require(good.firstIndex { $0.seriesID == 1 })
        #expect(try refusal { $0[flowIndex].last = $0[flowIndex].max + 1 }.contains("summaries[\(flowIndex)]"))

        // Flags: both kinds at once, or unknown bits.
        var bytes = try frame(good).encoded(signer: UnsignedFrameSigner())
        for flags: UInt8 in [3, 4, 0x80, 0xFF] {
            bytes[5] = flags
            let end = bytes.count - 4
            let crc = CRC32C.checksum(bytes[..<end])
            for index in 0..<4 { bytes[end + index] = UInt8(truncatingIfNeeded: crc >> (8 * index)) }
            #expect(throws: WireError.self) { try FrameDecoder().decode(bytes, verifier: AcceptAnySignature()) }
        }
        // Summaries in a readings frame, and chunks in a summary frame, never leave the encoder.
        var mixed = frame(good)
        mixed.kind = .readings
        #expect(throws: WireError.self) { try mixed.encoded(signer: UnsignedFrameSigner()) }
    }

    @Test("Any byte of a summary frame changed (CRC mended) is refused or read, never a crash")
    func mutations() throws {
        let bytes = try frame(summaries().summaries).encoded(signer: UnsignedFrameSigner())
        var random = SplitMix(seed: 2026)
        var refused = 0
        for _ in 0..<3_000 {
            var copy = bytes
            let index = 6 + Int(random.nextBits() % UInt64(copy.count - 6 - 69))
            copy[index] = UInt8(truncatingIfNeeded: random.nextBits())
            let end = copy.count - 4
            let crc = CRC32C.checksum(copy[..<end])
            for byte in 0..<4 { copy[end + byte] = UInt8(truncatingIfNeeded: crc >> (8 * byte)) }
            do {
                let frame = try FrameDecoder().decode(copy, verifier: AcceptAnySignature())
                // What reads must encode back to itself, and travel through JSON unchanged.
                #expect(try frame.encoded(signer: UnsignedFrameSigner()).dropLast(69) == copy.dropLast(69))
                #expect(try FrameJSON.binary(fromJSON: FrameJSON.render(frame)) == copy)
            } catch {
                refused += 1
            }
        }
        #expect(refused > 0)
    }
}
