import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a suite needs installed (Mosquitto, PostgreSQL, socat, pymodbus). On a developer's
/// machine without it the suite is skipped, saying what to install; under `CI=true` it runs
/// anyway and fails where it starts the missing program, so CI never passes by skipping.
package enum Requires {
    /// Whether the run is CI's (`CI=true`, as CI services set it).
    package static var isCI: Bool { getenv("CI").map { String(cString: $0) == "true" } ?? false }

    /// Enables a suite or test when `available`, and always under CI.
    package static func installed(_ available: Bool, _ what: String) -> ConditionTrait {
        .enabled(
            if: available || isCI, Comment(rawValue: "needs \(what) (make deps); under CI=true it fails instead"))
    }
}
