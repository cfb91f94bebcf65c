import CClock
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// What the gateway knows about its clocks when it takes a reading: the wall clock's state, the
/// boot it is in, and the monotonic time, so the hub can place readings taken before NTP came up.
package struct ClockReading: Sendable, Hashable {
    /// Synchronised, unsynchronised or unknown.
    package var state: ClockState
    /// This boot's id (`/proc/sys/kernel/random/boot_id`).
    package var bootID: BootID
    /// Nanoseconds of CLOCK_MONOTONIC (since boot, never stepped).
    package var monotonic: Int64
    /// Nanoseconds of the wall clock since the epoch.
    package var wall: Int64

    /// Creates a reading.
    package init(state: ClockState, bootID: BootID, monotonic: Int64, wall: Int64) {
        self.state = state
        self.bootID = bootID
        self.monotonic = monotonic
        self.wall = wall
    }
}

/// Reads the gateway's clocks. The clock counts as unsynchronised when the kernel says so
/// (adjtimex: STA_UNSYNC or TIME_ERROR) or when the wall clock is earlier than this build, which
/// no correct clock can be (a board without a real-time clock boots in 1970 or at its image date).
package struct GatewayClock: Sendable {
    /// Wall times before this (nanoseconds since the epoch) are certainly wrong: 2026-01-01.
    package static let earliestPlausible: Int64 = 1_767_225_600 * 1_000_000_000

    /// This boot's id.
    package let bootID: BootID

    /// Reads the boot id once.
    package init() {
        do throws(FileIO.Failure) {
            let text = String(decoding: try FileIO.read("/proc/sys/kernel/random/boot_id"), as: UTF8.self)
            bootID = BootID(parsing: text.filter { !$0.isWhitespace }) ?? .zero
        } catch {
            bootID = .zero  // no /proc: frames say "boot unknown", and the hub treats them so
        }
    }

    /// The clocks now.
    package func now() -> ClockReading {
        let wall = systemWallClock()
        var monotonic = timespec()
        clock_gettime(CLOCK_MONOTONIC, &monotonic)
        let kernel = outpost_clock_synchronised()
        let state: ClockState =
            wall < Self.earliestPlausible
            ? .unsynchronised : kernel == 1 ? .synchronised : kernel == 0 ? .unsynchronised : .unknown
        return ClockReading(
            state: state, bootID: bootID, monotonic: Int64(monotonic.tv_sec) * 1_000_000_000 + Int64(monotonic.tv_nsec),
            wall: wall)
    }
}
