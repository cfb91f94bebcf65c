import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Ports on the loopback address for the servers a test or a benchmark starts (a broker, a hub,
/// a database): one place that picks them, so two programs of one run do not race for a port.
package enum LoopbackPort {
    /// No port of the range could be bound.
    package struct Exhausted: Error, CustomStringConvertible {
        let range: Swift.Range<Int>
        package var description: String { "no free loopback port in \(range)" }
    }

    /// Where a program's ports come from: below the kernel's ephemeral range (32768 and up), so
    /// that no outgoing connection can take a port between its pick and the listener binding it.
    /// The tests and the benchmarks they start pick from ranges of their own, so that two
    /// processes never race for one port.
    package enum Range: Sendable {
        /// 20000-32767: the test process.
        case tests
        /// 10000-19999: the benchmarks (which tests also start).
        case benchmarks

        var ports: Swift.Range<Int> { self == .tests ? 20000..<32768 : 10000..<20000 }
    }

    private static let next = Atomic<Int>(Int.random(in: 0..<10_000))

    /// A port of `range` nobody listens on right now. Ports are handed out in turn from a random
    /// start, so two callers in one process never get the same one.
    package static func free(in range: Range) throws(Exhausted) -> Int {
        let ports = range.ports
        for _ in 0..<ports.count {
            let port = ports.lowerBound + next.add(1, ordering: .relaxed).oldValue % ports.count
            if isFree(port) { return port }
        }
        throw Exhausted(range: ports)
    }

    /// Whether a listener could bind `port` now.
    package static func isFree(_ port: Int) -> Bool {
        withSocket(port: port) { bind($0, $1, $2) == 0 }
    }

    /// Whether something accepts a TCP connection on `port` now.
    package static func accepts(_ port: Int) -> Bool {
        withSocket(port: port) { connect($0, $1, $2) == 0 }
    }

    /// Runs `body` with a new TCP socket and the loopback address of `port` (closed afterwards).
    private static func withSocket(port: Int, _ body: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Bool) -> Bool {
        guard let number = UInt16(exactly: port) else { return false }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = number.bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}
