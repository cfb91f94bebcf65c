import Foundation
import OutpostAgent
import OutpostTestSupport
import Synchronization
import Testing

extension DeliveryTests {
    /// A TCP relay (socat) the agent reaches the broker through: killing it cuts the link.
    private func relay(from port: Int, to target: Int) throws -> ChildProcess {
        let process = try ChildProcess(
            "/usr/bin/socat",
            ["-d", "-d", "TCP-LISTEN:\(port),fork,reuseaddr,bind=127.0.0.1", "TCP:127.0.0.1:\(target)"])
        _ = try process.waitForStderrLine(containing: "listening on", timeout: .seconds(10))
        return process
    }

    @Test(
        "TLS link cut while connected and restored 20 s later: the agent connects again and delivers (libmosquitto's loop alone would not)"
    )
    func tlsLinkCut() async throws {
        let relayPort = try Broker.freePort()
        let (broker, sim, setup, peer) = try start(tls: true, viaPort: relayPort)
        var link = try relay(from: relayPort, to: broker.port)
        defer {
            peer.stop()
            sim.terminate()
            link.terminate()
            _ = try? ChildProcess.run("/usr/bin/pkill", ["-TERM", "-f", "TCP-LISTEN:\(relayPort),"])
            withExtendedLifetime(broker) {}
        }
        let cut = Mutex<(done: Bool, countAtCut: Int)>((false, 0))
        let check: (Agent) async -> Bool = { _ in
            let count = peer.state.withLock { $0.readings["room.temperature"]?.count ?? 0 }
            let state = cut.withLock { $0 }
            if !state.done {
                guard count >= 5 else { return false }
                // Connected and delivering: cut the link (the TLS session ends with a reset),
                // keep it down past libmosquitto's first retries, then restore it.
                link.terminate()
                // socat forks a child per connection: the live connection dies with it.
                _ = try? ChildProcess.run("/usr/bin/pkill", ["-TERM", "-f", "TCP-LISTEN:\(relayPort),"])
                cut.withLock { $0 = (true, count) }
                try? await Task.sleep(for: .seconds(20))  // the outage under test, not a wait for a result
                guard let restored = try? relay(from: relayPort, to: broker.port) else { return false }
                link = restored
                return false
            }
            return count >= state.countAtCut + 20
        }
        let (_, delivered) = try await runAgent(setup, until: check, timeout: .seconds(120))
        #expect(delivered, "the agent reconnected after the link came back and delivered what it buffered")
    }
}
