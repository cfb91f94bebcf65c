/// What a series measures, which decides how the hub aggregates and charts it.
package enum SeriesKind: UInt8, Sendable, CaseIterable {
    /// A level that goes up and down: temperature, voltage, pressure.
    case gauge = 0
    /// A monotonic total that may wrap or reset: energy, pulses, litres.
    case counter = 1
    /// A discrete state: on/off, alarm, mode.
    case state = 2

    /// The name used in the JSON rendering and in configuration.
    package var name: String {
        switch self {
        case .gauge: "gauge"
        case .counter: "counter"
        case .state: "state"
        }
    }

    /// Parses `name`.
    package init?(name: String) {
        guard let kind = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = kind
    }
}
