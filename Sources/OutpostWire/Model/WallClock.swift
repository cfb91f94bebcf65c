#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock time in nanoseconds since the Unix epoch: what gateways stamp samples with and what
/// the hub stamps receipts and acknowledgements with.
package typealias WallClock = @Sendable () -> Int64

/// The system's real-time clock.
package let systemWallClock: WallClock = {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
