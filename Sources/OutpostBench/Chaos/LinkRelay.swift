import Foundation  // Thread, for the relay's blocking pumps
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One gateway's link to the broker, as a TCP relay the fault run controls: it passes bytes, or
/// is cut (nothing passes either way and new connections get no answer, as with a pulled cable;
/// when the cut ends the old connections are gone, as their keepalives would have ended them),
/// or loses the hub's acknowledgements (MQTT PUBLISH packets on the gateway's `ack` topic, broker
/// to agent). Used where network namespaces are not available: it needs no privileges. It counts
/// the bytes it relays each way, which is what the link carries above TCP.
package final class LinkRelay: Sendable {
    /// What the link does.
    package enum Mode: Sendable, Equatable {
        case pass, cut, dropAcknowledgements
    }

    private struct State {
        var mode = Mode.pass
        var sockets: Set<Int32> = []
        var held: Set<Int32> = []
        var stopped = false
        var acknowledgementsDropped = 0
        /// Bytes relayed agent → broker and broker → agent: everything on the wire above TCP
        /// (MQTT packets, and TLS records when the link is TLS).
        var bytesUp = 0
        var bytesDown = 0
    }

    /// The port the agent connects to.
    package let port: Int
    private let target: Int
    /// Whether broker-to-agent bytes are cut into MQTT packets (to lose acknowledgements); not
    /// for a TLS link, whose bytes are records.
    private let framesPackets: Bool
    private let listener: Int32
    private let state = Mutex(State())

    /// Listens on a free loopback port and relays to the broker on `target` (`tls`: the link is
    /// TLS, relayed as it is).
    package init(target: Int, tls: Bool = false) throws {
        self.target = target
        framesPackets = !tls
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BenchFailure("relay socket: \(String(cString: strerror(errno)))") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw BenchFailure("relay bind/listen: \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    /// Bytes relayed so far, agent → broker and broker → agent.
    package var bytes: (up: Int, down: Int) { state.withLock { ($0.bytesUp, $0.bytesDown) } }

    /// Acknowledgements lost so far.
    package var acknowledgementsDropped: Int { state.withLock { $0.acknowledgementsDropped } }

    /// Sets what the link does. Ending a cut closes every connection made through it.
    package func set(_ mode: Mode) {
        let (closing, held) = state.withLock { state -> (Set<Int32>, Set<Int32>) in
            defer { state.mode = mode }
            guard state.mode == .cut, mode != .cut else { return ([], []) }
            defer { state.held = [] }
            return (state.sockets, state.held)
        }
        for socket in closing { shutdown(socket, Int32(SHUT_RDWR)) }
        for socket in held { close(socket) }
    }

    /// Stops relaying and closes every connection.
    package func stop() {
        let sockets = state.withLock { state -> Set<Int32> in
            state.stopped = true
            return state.sockets.union(state.held)
        }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private var mode: Mode { state.withLock { $0.mode } }
    private var stopped: Bool { state.withLock { $0.stopped } }

    private func acceptLoop() {
        defer { close(listener) }
        while !stopped {
            guard Self.readable(listener) else { continue }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { continue }
            // Cut: the connection is taken and never answered; it is closed when the cut ends.
            let held = state.withLock { state -> Bool in
                guard state.mode != .cut else { return state.held.insert(client).inserted }
                state.sockets.insert(client)
                return false
            }
            if held { continue }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: target)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard server >= 0, connected == 0 else {
                if server >= 0 { close(server) }
                forget(client)
                continue
            }
            state.withLock { _ = $0.sockets.insert(server) }
            let pair = SocketPair(client: client, server: server)
            Thread { [self] in pump(from: client, to: server, pair: pair, framing: false) }.start()
            Thread { [self] in pump(from: server, to: client, pair: pair, framing: framesPackets) }.start()
        }
    }

    /// Copies one direction until either side closes. Broker-to-agent bytes are cut into MQTT
    /// packets so that acknowledgements can be lost whole.
    private func pump(from source: Int32, to destination: Int32, pair: SocketPair, framing: Bool) {
        var packets = MQTTPacketSplitter()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        loop: while !stopped {
            if mode == .cut {  // nothing passes; the bytes wait in the kernel
                usleep(50_000)
                continue
            }
            guard Self.readable(source) else { continue }
            let count = read(source, &buffer, buffer.count)
            guard count > 0 else { break }
            let down = source == pair.server
            state.withLock { if down { $0.bytesDown += count } else { $0.bytesUp += count } }
            let bytes = Array(buffer[..<count])
            guard framing else {
                if !Self.writeAll(bytes, to: destination) { break }
                continue
            }
            for packet in packets.append(bytes) {
                if mode == .dropAcknowledgements, MQTTPacketSplitter.isPublish(packet, topicSuffix: "/ack") {
                    state.withLock { $0.acknowledgementsDropped += 1 }
                    continue
                }
                if !Self.writeAll(packet, to: destination) { break loop }
            }
        }
        shutdown(source, Int32(SHUT_RDWR))
        shutdown(destination, Int32(SHUT_RDWR))
        if pair.finishOne() {
            forget(pair.client)
            forget(pair.server)
        }
    }

    private func forget(_ socket: Int32) {
        state.withLock { _ = $0.sockets.remove(socket) }
        close(socket)
    }

    /// Waits up to 100 ms for `socket` to have something to read (or to be closed).
    private static func readable(_ socket: Int32) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 100) > 0
    }

    private static func writeAll(_ bytes: [UInt8], to socket: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes {
                send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// The two sockets of one relayed connection; the second pump to finish closes them.
private final class SocketPair: Sendable {
    let client: Int32
    let server: Int32
    private let finished = Atomic<Int>(0)

    init(client: Int32, server: Int32) {
        self.client = client
        self.server = server
    }

    /// Whether this was the last of the two pumps.
    func finishOne() -> Bool { finished.add(1, ordering: .relaxed).newValue == 2 }
}

/// Cuts a byte stream into whole MQTT control packets (fixed header, remaining length).
struct MQTTPacketSplitter {
    private var pending: [UInt8] = []

    /// The packets completed by `bytes`; a header that is not MQTT passes the rest through as it is.
    mutating func append(_ bytes: [UInt8]) -> [[UInt8]] {
        pending += bytes
        var packets: [[UInt8]] = []
        while pending.count >= 2 {
            var length = 0
            var multiplier = 1
            var index = 1
            var complete = false
            while index < pending.count, index <= 4 {
                let byte = Int(pending[index])
                length += (byte & 0x7F) * multiplier
                multiplier *= 128
                index += 1
                if byte & 0x80 == 0 {
                    complete = true
                    break
                }
            }
            if !complete {
                if index > 4 {  // not MQTT: pass everything on unsplit
                    packets.append(pending)
                    pending = []
                }
                break
            }
            guard pending.count >= index + length else { break }
            packets.append(Array(pending[..<(index + length)]))
            pending.removeFirst(index + length)
        }
        return packets
    }

    /// Whether `packet` is a PUBLISH whose topic ends with `suffix`.
    static func isPublish(_ packet: [UInt8], topicSuffix suffix: String) -> Bool {
        guard let first = packet.first, first >> 4 == 3 else { return false }
        var index = 1
        while index < packet.count, packet[index] & 0x80 != 0 { index += 1 }
        index += 1
        guard index + 2 <= packet.count else { return false }
        let topicLength = Int(packet[index]) << 8 | Int(packet[index + 1])
        guard index + 2 + topicLength <= packet.count else { return false }
        let topic = String(decoding: packet[(index + 2)..<(index + 2 + topicLength)], as: UTF8.self)
        return topic.hasSuffix(suffix)
    }
}
