#if canImport(Glibc)
    import Glibc
#endif

/// Named points where a crash-consistency test may cut the power: with `OUTPOST_FAULT_AT=name`
/// in its environment, the process kills itself with SIGKILL on reaching that point, as a power
/// cut would stop it (no handler runs, nothing is flushed). Without the variable, nothing happens.
package enum FaultInjection {
    /// Dies here when the environment names `point`.
    package static func crashIfAsked(at point: String) {
        guard let named = getenv("OUTPOST_FAULT_AT"), String(cString: named) == point else { return }
        kill(getpid(), SIGKILL)
    }
}
