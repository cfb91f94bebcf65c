import OutpostConfig

/// A scripted fault: what goes wrong, when, for how long.
package struct Fault: Sendable, Hashable {
    /// The kinds of fault a simulated device can show.
    package enum Kind: String, Sendable, CaseIterable {
        /// The value jumps by `magnitude` for `duration`, then returns.
        case spike
        /// The value shifts by `magnitude` from `at` on (for `duration`, if given).
        case step
        /// The value freezes at what it was at `at`.
        case stuck
        /// The value moves away linearly, by `magnitude` at the end of `duration` (a sensor
        /// ageing, a filter clogging), then returns.
        case drift
        /// Extra noise of up to ±`magnitude` on every reading for `duration` (a loose wire).
        case noise
        /// Every answer is delayed by `delay`.
        case slow
        /// Every request is answered with Modbus exception `code`.
        case exception
        /// The device stops answering.
        case silence
    }

    /// The kind.
    package var kind: Kind
    /// The point it affects (value faults); nil for every point.
    package var point: String?
    /// When it starts, from the simulator's start.
    package var at: Duration
    /// How long it lasts; nil for the rest of the run. Recovery is the end of this window.
    package var duration: Duration?
    /// The size of a spike or step, in the point's unit.
    package var magnitude: Double
    /// The answer delay of a `slow` fault.
    package var delay: Duration
    /// The exception code of an `exception` fault.
    package var code: UInt8

    /// Creates a fault.
    package init(
        kind: Kind, point: String? = nil, at: Duration, duration: Duration? = nil, magnitude: Double = 0,
        delay: Duration = .seconds(2), code: UInt8 = 4
    ) {
        self.kind = kind
        self.point = point
        self.at = at
        self.duration = duration
        self.magnitude = magnitude
        self.delay = delay
        self.code = code
    }

    /// Whether the fault is active `elapsed` after the start.
    package func isActive(at elapsed: Duration) -> Bool {
        elapsed >= at && (duration.map { elapsed < at + $0 } ?? true)
    }

    /// Whether the fault touches `point`.
    package func affects(_ name: String) -> Bool { point == nil || point == name }
}

/// The faults a simulated device goes through, from a scenario file:
///
/// ```toml
/// [[fault]]
/// kind = "spike"        # spike, step, stuck, drift, noise, slow, exception, silence
/// point = "voltage"     # value faults only; all points when absent
/// at = "30s"            # from the start of the simulation
/// duration = "10s"      # then it recovers; absent = until the end
/// magnitude = 40.0      # spike, step, drift (at the end of its window), noise (± amplitude)
/// delay = "2s"          # slow
/// code = 6              # exception (6 = device busy)
/// ```
package struct Scenario: Sendable, Hashable {
    /// The faults, in file order.
    package var faults: [Fault]

    /// No faults.
    package static let none = Scenario(faults: [])

    /// Creates a scenario.
    package init(faults: [Fault]) {
        self.faults = faults
    }

    /// Reads a scenario file.
    package init(toml text: String, file: String) throws(ConfigError) {
        let document = try TOMLDocument(text: text, file: file)
        try document.top.rejectUnknownKeys(["fault"])
        var faults: [Fault] = []
        for section in try document.top.sections("fault") {
            try section.rejectUnknownKeys(["kind", "point", "at", "duration", "magnitude", "delay", "code"])
            let kindText = try section.requiredString("kind")
            guard let kind = Fault.Kind(rawValue: kindText) else {
                throw section.error(
                    "kind", "'\(kindText)' is not one of \(Fault.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let code = try section.int("code") ?? 4
            guard (1...255).contains(code) else {
                throw section.error("code", "\(code) is not an exception code (1-255)")
            }
            faults.append(
                Fault(
                    kind: kind, point: try section.string("point"), at: try section.duration("at") ?? .zero,
                    duration: try section.duration("duration"), magnitude: try section.double("magnitude") ?? 0,
                    delay: try section.duration("delay") ?? .seconds(2), code: UInt8(code)))
        }
        self.init(faults: faults)
    }
}
