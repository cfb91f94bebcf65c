import OutpostTestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-agent probe`, run as the technician runs it, against the simulator.
@Suite("Probe", .serialized)
struct ProbeCommandTests {
    struct Row: Decodable {
        let name: String
        let value: Double?
        let unit: String
        let quality: String
    }

    struct Match: Decodable {
        let address: Int
        let one_based: Bool
        let type: String
        let order: String
        let scale: Double
    }

    /// A simulated TUF-2000M whose values are frozen (a `stuck` fault from the start), so the
    /// value read by one probe is still there for the next.
    func frozenFlowMeter() throws -> (ChildProcess, String) {
        let folder = try TemporaryFolder()
        let scenario = folder.write(Array("[[fault]]\nkind = \"stuck\"\nat = \"0s\"\n".utf8), to: "stuck.toml")
        // The simulator reads its scenario before it announces that it listens.
        return try Peers.simulator(["--profile", "tuf-2000m", "--scenario", scenario])
    }

    func probe(_ arguments: [String]) throws -> ChildProcess.Outcome {
        try ChildProcess(
            Binaries.path("outpost-agent"), ["probe"] + arguments,
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        ).wait()
    }

    @Test("Reading a profile prints every point with its unit and quality")
    func profileTable() throws {
        let (sim, url) = try frozenFlowMeter()
        defer { sim.terminate() }
        let table = try probe([url, "--profile", "tuf-2000m"])
        #expect(table.exitStatus == 0, "\(table)")
        #expect(table.stdout.hasPrefix("point "))
        #expect(table.stdout.contains("flow_rate") && table.stdout.contains("m³/h") && table.stdout.contains("good"))
        let json = try probe([url, "--profile", "tuf-2000m", "--json"])
        let rows = try JSONDecoder().decode([Row].self, from: Data(json.stdout.utf8))
        #expect(rows.count == 9)
        #expect(rows.allSatisfy { $0.quality == "good" && $0.value != nil })
    }

    @Test("--expect finds the type, word order and 1-based numbering of the value on the display")
    func expectSearch() throws {
        let (sim, url) = try frozenFlowMeter()
        defer { sim.terminate() }
        let rows = try JSONDecoder().decode(
            [Row].self, from: Data(try probe([url, "--profile", "tuf-2000m", "--json"]).stdout.utf8))
        let flow = try #require(rows.first { $0.name == "flow_rate" }?.value)
        // The manual calls it REG 0001-0002; the technician types what the manual says.
        let search = try probe([url, "--address", "1", "--count", "2", "--expect", "\(flow)", "--json"])
        #expect(search.exitStatus == 0, "\(search)")
        let best = try #require(try JSONDecoder().decode([Match].self, from: Data(search.stdout.utf8)).first)
        #expect(
            best.address == 0 && best.one_based && best.type == "float32" && best.order == "CDAB" && best.scale == 1)
    }

    @Test("A device that does not answer: every point bad, a one-line reason, exit 1")
    func deadDevice() throws {
        let outcome = try probe(["tcp://127.0.0.1:1", "--profile", "xy-md02", "--timeout", "0.2"])
        #expect(outcome.exitStatus == 1)
        #expect(outcome.stdout.contains("bad/2"))
        #expect(outcome.stderr.hasPrefix("Error: tcp://127.0.0.1:1 unit 1: no point could be read"))
    }

    @Test("Bad arguments are refused with usage")
    func badArguments() throws {
        let outcome = try probe(["ftp://x", "--profile", "xy-md02"])
        #expect(outcome.exitStatus == 64)
        #expect(outcome.stderr.hasPrefix("Error: 'ftp://x' is not a Modbus endpoint"))
    }
}
