import OutpostModbus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Stops a running simulator cleanly on SIGTERM and SIGINT.
package enum SimulatorSignals {
    nonisolated(unsafe) private static var server: ModbusServer?
    private static let stopRequested = Atomic<Bool>(false)

    /// Whether SIGTERM or SIGINT has arrived (for simulators that loop rather than serve).
    package static var shouldStop: Bool { stopRequested.load(ordering: .relaxed) }

    /// Routes SIGTERM and SIGINT to `server.stop()` and `shouldStop`. Call once, before serving.
    package static func install(_ server: ModbusServer? = nil) {
        // Written once before the handler is installed and only read by it afterwards.
        Self.server = server
        signal(SIGTERM) { _ in SimulatorSignals.requestStop() }
        signal(SIGINT) { _ in SimulatorSignals.requestStop() }
        signal(SIGPIPE, SIG_IGN)
    }

    private static func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        server?.stop()
    }
}
