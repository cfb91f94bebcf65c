import OutpostAgent
import Testing

@Suite("GPIO pulse counting through the line-event seam")
struct PulseCounterTests {
    let millisecond: Int64 = 1_000_000

    @Test("Clean pulses count once each; the rate is per second of the interval")
    func cleanPulses() {
        var counter = PulseCounter(debounce: .milliseconds(5))
        for pulse in 0..<10 {
            let start = Int64(pulse) * 100 * millisecond
            counter.consume(LineEvent(.rising, at: start))
            counter.consume(LineEvent(.falling, at: start + 50 * millisecond))
        }
        #expect(counter.total == 10)
        let interval = counter.closeInterval(length: .seconds(1))
        #expect(interval.count == 10 && interval.perSecond == 10)
        let next = counter.closeInterval(length: .seconds(1))
        #expect(next.count == 0)
        #expect(counter.total == 10)
    }

    @Test("Contact bounce within the debounce window is ignored and counted as bounce")
    func bounce() {
        var counter = PulseCounter(debounce: .milliseconds(10))
        // A reed switch closing: rising, then chatter for 3 ms, then open 200 ms later.
        let edges: [(LineEvent.Edge, Int64)] = [
            (.rising, 0), (.falling, 1), (.rising, 2), (.falling, 3), (.rising, 3), (.falling, 200),
        ]
        for (edge, ms) in edges { counter.consume(LineEvent(edge, at: ms * millisecond)) }
        #expect(counter.total == 1)
        #expect(counter.bounces == 4)
    }

    @Test("Active-low lines count falling edges")
    func activeLow() {
        var counter = PulseCounter(debounce: .zero, activeLow: true)
        let first = counter.consume(LineEvent(.falling, at: 0))
        let release = counter.consume(LineEvent(.rising, at: 10 * millisecond))
        let second = counter.consume(LineEvent(.falling, at: 20 * millisecond))
        #expect(first && !release && second)
        #expect(counter.total == 2)
    }

    @Test("A repeated edge in the same direction (a missed event) is not a second pulse")
    func missedEdge() {
        var counter = PulseCounter(debounce: .zero)
        counter.consume(LineEvent(.rising, at: 0))
        counter.consume(LineEvent(.rising, at: 100 * millisecond))
        #expect(counter.total == 1)
    }
}
