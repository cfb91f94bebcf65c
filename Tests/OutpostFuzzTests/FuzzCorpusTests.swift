import OutpostFuzzing
import OutpostTestSupport
import Testing

/// The committed corpus of every fuzz target (`Fuzz/corpus/TARGET/`): the hand-made seeds and
/// every input `make fuzz` ever found to crash, hang or break a promise, replayed on each
/// `make test` so it never comes back.
@Suite("Fuzz corpus")
struct FuzzCorpusTests {
    static let root = packageRoot() + "/Fuzz/corpus"

    static func inputs(_ target: FuzzTarget) -> [String] {
        directoryEntries(root + "/" + target.rawValue).filter { !$0.isFolder && !$0.name.hasPrefix(".") }.map(\.name)
            .sorted()
    }

    /// The targets replayed synchronously; `query` runs through the async router, below.
    static let synchronous = FuzzTarget.allCases.filter { $0 != .query }

    @Test(
        "Every kept input is accepted or refused, and no parser breaks a promise",
        arguments: FuzzCorpusTests.synchronous)
    func replay(target: FuzzTarget) throws {
        let names = Self.inputs(target)
        try #require(!names.isEmpty, "no corpus for \(target.rawValue)")
        var accepted = 0
        var refused = 0
        for name in names {
            let outcome = target.run(readFileBytes(Self.root + "/" + target.rawValue + "/" + name))
            switch outcome {
            case .accepted: accepted += 1
            case .refused(let why): refused += 1; #expect(!why.isEmpty, "\(name)")
            case .violated(let what): Issue.record("\(target.rawValue)/\(name): \(what)")
            }
        }
        // A corpus that only ever reaches the parser's first refusal, or never refuses, tests little.
        #expect(accepted > 0, "\(target.rawValue): no seed is accepted")
        #expect(refused > 0, "\(target.rawValue): no seed is refused")
    }

    @Test(
        "Every kept query (Int64's edges, UInt64.max, NaN, empty and huge values) is answered below 500 by the real routes"
    )
    func replayQueries() async throws {
        let names = Self.inputs(.query)
        try #require(names.count >= 10, "no corpus for query")
        var outcomes: [String: Int] = [:]
        for name in names {
            switch await QueryFuzz.run(readFileBytes(Self.root + "/query/" + name)) {
            case .accepted: outcomes["accepted", default: 0] += 1
            case .refused: outcomes["refused", default: 0] += 1
            case .violated(let what): Issue.record("query/\(name): \(what)")
            }
        }
        #expect(outcomes["accepted", default: 0] > 0 && outcomes["refused", default: 0] > 0, "\(outcomes)")
    }

    @Test("A sentence with an impossible latitude or a signed degree field is refused as malformed")
    func impossiblePosition() {
        let outcome = FuzzTarget.nmea.run(Array("$GPGGA,123519,9907.038,N,01131.000,E,1,08,0.9,545.4,M,,M,,*00".utf8))
        #expect(outcome.violation == nil)
        if case .refused(let why) = outcome { #expect(why.contains("malformed")) } else { Issue.record("\(outcome)") }
        let signed = FuzzTarget.nmea.run(Array("$GPGGA,123519,-107.038,N,01131.000,E,1,08,0.9,545.4,M,,M,,*00".utf8))
        if case .refused(let why) = signed { #expect(why.contains("malformed")) } else { Issue.record("\(signed)") }
    }
}
