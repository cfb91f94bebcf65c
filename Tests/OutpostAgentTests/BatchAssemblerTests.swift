import OutpostAgent
import OutpostWire
import Testing

@Suite("Batch assembler")
struct BatchAssemblerTests {
    @Test("Samples of several series become one chunk per series, ids stable across batches")
    func assemble() throws {
        var assembler = BatchAssembler()
        let temperature = assembler.declare("t", unit: "°C", resolution: Resolution(0.1))
        let state = assembler.declare("s", kind: .state, resolution: Resolution(1))
        #expect(assembler.declare("t") == temperature)
        for second in 0..<10 {
            let time = Int64(second) * 1_000_000_000
            let taken = assembler.append(
                Sample(timestamp: time, value: 20 + Double(second) / 10), to: temperature, monotonic: time,
                clockSynchronised: true)
            #expect(taken)
            if second % 5 == 0 {
                let taken = assembler.append(
                    Sample(timestamp: time, value: .nan, quality: Quality(.bad, code: 2)), to: state, monotonic: time,
                    clockSynchronised: true)
                #expect(taken)
            }
        }
        #expect(assembler.pendingSampleCount == 12)
        let frame = try assembler.seal(
            gatewayID: "gw", sequence: 5, bootID: .zero, clockState: .synchronised, createdAt: 0, createdMonotonic: 0)
        #expect(assembler.pendingSampleCount == 0)
        #expect(frame.chunks.map(\.seriesID) == [temperature, state])
        let decoded = try frame.chunks[0].chunk.decode()
        #expect(decoded.values == (0..<10).map { 20 + Double($0) / 10 })
        #expect(try frame.chunks[1].chunk.decode().qualities == [Quality(.bad, code: 2), Quality(.bad, code: 2)])

        // The next batch holds only the series that have samples, under the same ids.
        let taken = assembler.append(Sample(timestamp: 1, value: 1), to: state, monotonic: 1, clockSynchronised: true)
        #expect(taken)
        let next = try assembler.seal(
            gatewayID: "gw", sequence: 6, bootID: .zero, clockState: .synchronised, createdAt: 0, createdMonotonic: 0)
        #expect(next.series.map(\.name) == ["s"] && next.chunks.map(\.seriesID) == [state])
    }

    @Test("A change of clock state inside a batch is refused, so each chunk has one clock state")
    func clockStateChange() {
        var assembler = BatchAssembler()
        let series = assembler.declare("x")
        let taken = assembler.append(Sample(timestamp: 1, value: 1), to: series, monotonic: 1, clockSynchronised: false)
        #expect(taken)
        let refused = assembler.append(
            Sample(timestamp: 2, value: 2), to: series, monotonic: 2, clockSynchronised: true)
        #expect(!refused)
        #expect(assembler.pendingSampleCount == 1)
    }
}
