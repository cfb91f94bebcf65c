import OutpostWire
import Testing

@testable import OutpostAgent

@Suite("The uplink's delivery bookkeeping")
struct UplinkStateTests {
    let start = ContinuousClock.now

    @Test("The window fills only while connected; acks free it; a lost connection sends everything again")
    func window() {
        var state = UplinkState()
        #expect(state.room(window: 4) == 0, "nothing is published while disconnected")
        state.connected = true
        state.sent(1, at: start)
        state.sent(2, at: start)
        #expect(state.room(window: 4) == 2)
        state.acknowledged([1], at: start + .seconds(1))
        #expect(state.room(window: 4) == 3)
        state.lostConnection()
        #expect(state.inFlight.isEmpty)
        #expect(state.room(window: 4) == 0)
    }

    @Test("A batch not acknowledged within the timeout leaves the window, to be sent again")
    func timeout() {
        var state = UplinkState()
        state.connected = true
        state.sent(7, at: start)
        state.sent(8, at: start + .seconds(20))
        state.expire(olderThan: .seconds(30), at: start + .seconds(30))
        #expect(Set(state.inFlight.keys) == [8])
        #expect(state.resentAfterTimeout == 1)
    }

    @Test("The bandwidth cap spends bytes per second and lets an oversized frame through when full")
    func budget() {
        var budget = ByteBudget(bytesPerSecond: 1000)
        var outcomes: [Bool] = []
        for (bytes, at) in [
            (600, Duration.zero), (600, .milliseconds(100)), (600, .milliseconds(300)),
            // 5000 bytes is more than a second's budget: it goes once the budget is full again.
            (5000, .milliseconds(400)), (5000, .seconds(2)),
        ] {
            outcomes.append(budget.spend(bytes, at: start + at))
        }
        #expect(outcomes == [true, false, true, false, true], "600 fits; 500 left is too little; refilled; full")
        var unlimited = ByteBudget(bytesPerSecond: nil)
        let anything = unlimited.spend(10_000_000, at: start)
        #expect(anything)
    }
}
