#if canImport(Glibc)
    import Glibc
#endif

/// Talks to systemd through `NOTIFY_SOCKET` (a datagram per message; no libsystemd needed):
/// READY when the agent is up, WATCHDOG pings from the pipeline, STATUS lines for `systemctl
/// status`. Does nothing when not run by systemd.
package struct SystemdNotifier: Sendable {
    private let socketPath: String?
    /// Half the watchdog interval systemd asked for (`WATCHDOG_USEC`), when it asked.
    package let watchdogInterval: Duration?

    /// Reads `NOTIFY_SOCKET` and `WATCHDOG_USEC` from the environment.
    package init() {
        socketPath = getenv("NOTIFY_SOCKET").map { String(cString: $0) }
        if let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let microseconds = Int64(text),
            microseconds > 0
        {
            watchdogInterval = .microseconds(microseconds / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// Sends `message` (`READY=1`, `WATCHDOG=1`, `STATUS=…`, `STOPPING=1`); returns whether it went.
    @discardableResult
    package func notify(_ message: String) -> Bool {
        guard let socketPath, !socketPath.isEmpty else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let bytes = Array(message.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
        return sent == bytes.count
    }
}
