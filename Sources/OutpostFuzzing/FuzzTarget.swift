/// Every parser of input from outside the process, as a libFuzzer target.
///
/// `outpost-fuzz TARGET` runs one under libFuzzer (`make fuzz`); the tests replay the committed
/// corpus of each (`Fuzz/corpus/TARGET/`) through the same function, so a crash found once stays
/// a regression test. A target refuses bad input (that is what it is for) and reports a
/// violation when a parser breaks one of its own promises; a crash or a hang is a bug as well.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// Batch frames (binary and JSON), chunk records and the hub's acknowledgement.
    case frame
    /// `agent.toml`.
    case agentConfig = "agent-config"
    /// `hub.toml`.
    case hubConfig = "hub-config"
    /// Device profiles and board definitions (`hardware/`).
    case profile
    /// NMEA 0183 sentences.
    case nmea
    /// Serial lines: the splitter and the generic line formats.
    case line
    /// Modbus register decoding: request planning, slicing and every codec.
    case modbus
    /// Readings imported as CSV, and the `detect` replay's input.
    case csv
    /// A viewer's query parameters through the hub's real routes and query engine.
    case query

    /// Runs the target on one input.
    package func run(_ bytes: [UInt8]) -> FuzzOutcome {
        switch self {
        case .frame: WireFuzz.frame(bytes)
        case .agentConfig: ConfigFuzz.agentConfiguration(bytes)
        case .hubConfig: ConfigFuzz.hubConfiguration(bytes)
        case .profile: ConfigFuzz.profile(bytes)
        case .nmea: InputFuzz.nmea(bytes)
        case .line: InputFuzz.line(bytes)
        case .modbus: InputFuzz.modbus(bytes)
        case .csv: InputFuzz.csv(bytes)
        case .query: QueryFuzz.blocking(bytes)
        }
    }
}

/// What a target made of one input.
package enum FuzzOutcome: Sendable, Hashable {
    /// Read as valid.
    case accepted
    /// Refused with this message (bad input, said clearly).
    case refused(String)
    /// A parser broke a promise it makes: a bug.
    case violated(String)

    /// The violation, if any.
    package var violation: String? {
        if case .violated(let what) = self { return what }
        return nil
    }

    /// The first violation of several outcomes, else the first refusal, else accepted.
    static func combined(_ outcomes: [FuzzOutcome]) -> FuzzOutcome {
        if let violated = outcomes.first(where: { $0.violation != nil }) { return violated }
        return outcomes.first { if case .refused = $0 { return true } else { return false } } ?? .accepted
    }
}
