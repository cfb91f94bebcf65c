import Dispatch
import OutpostMQTT
import OutpostSystem
import OutpostTestSupport
import Synchronization
import Testing

/// What the failure callback heard, shared with the test.
private final class Heard: Sendable {
    let waits = Mutex<[Duration]>([])
    var count: Int { waits.withLock { $0.count } }
}

/// In the agent's test run: the retries resume on the concurrency pool, which the system tests of
/// the other run hold for seconds at a time.
@Suite("Connecting with backoff", Requires.installed(Broker.isAvailable, "mosquitto"))
struct MQTTConnectTests {
    @Test("No broker yet: each failed attempt is told with a growing wait; once the broker listens, it connects")
    func retriesUntilTheBrokerListens() async throws {
        let broker = try Broker()
        broker.stop()
        let port = broker.port
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: "retry-test"))
        defer { client.shutdown() }
        let heard = Heard()
        let queue = DispatchQueue(label: "retry-test")
        let connecting = Task {
            await client.connectRetrying(
                host: "127.0.0.1", port: port, keepalive: 10,
                backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0), on: queue
            ) { _, wait in heard.waits.withLock { $0.append(wait) } }
        }
        #expect(await eventually(timeout: .seconds(60)) { heard.count >= 4 })
        try broker.start()
        #expect(await connecting.value)
        let seen = heard.waits.withLock { $0 }
        #expect(Array(seen.prefix(4)) == [.milliseconds(20), .milliseconds(40), .milliseconds(80), .milliseconds(160)])
        #expect(seen.allSatisfy { $0 <= .milliseconds(200) })
    }

    @Test("A client shut down, or a task cancelled, stops trying and says it did not connect")
    func stopsWhenShutDown() async throws {
        let port = try LoopbackPort.free(in: .tests)
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: "retry-stop"))
        let attempts = Heard()
        let connecting = Task {
            await client.connectRetrying(
                host: "127.0.0.1", port: port, keepalive: 10, backoff: Backoff(initial: .milliseconds(10)),
                on: DispatchQueue(label: "retry-stop")
            ) { _, wait in attempts.waits.withLock { $0.append(wait) } }
        }
        #expect(await eventually(timeout: .seconds(60)) { attempts.count >= 1 })
        client.shutdown()
        #expect(await connecting.value == false)

        let other = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: "retry-cancel"))
        defer { other.shutdown() }
        let cancelled = Task {
            await other.connectRetrying(
                host: "127.0.0.1", port: port, keepalive: 10, backoff: Backoff(initial: .seconds(30)),
                on: DispatchQueue(label: "retry-cancel")
            ) { _, _ in }
        }
        cancelled.cancel()
        #expect(await cancelled.value == false)
    }
}
