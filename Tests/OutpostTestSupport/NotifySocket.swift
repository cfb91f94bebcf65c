#if canImport(Glibc)
    import Glibc
#endif

/// A datagram socket standing in for systemd's NOTIFY_SOCKET: collects what a service sends.
package final class NotifySocket {
    /// The socket's path, for `NOTIFY_SOCKET`.
    package let path: String
    private let descriptor: Int32
    private var received: [String] = []

    /// Binds a datagram socket at `folder/notify`.
    package init(in folder: TemporaryFolder) throws {
        path = folder.file("notify")
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard descriptor >= 0, bound == 0 else {
            throw ChildProcess.Failure(description: "cannot bind \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// Waits until a message starting with `prefix` has arrived; returns every message so far.
    package func wait(for prefix: String, timeout: Duration = .seconds(20)) -> [String]? {
        let deadline = ContinuousClock.now + timeout
        while !received.contains(where: { $0.hasPrefix(prefix) }) {
            guard ContinuousClock.now < deadline else { return nil }
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 { received.append(String(decoding: buffer[..<count], as: UTF8.self)) }
        }
        return received
    }
}
