import OutpostConfig
import OutpostDevices
import OutpostModbus
import OutpostSimulation
import OutpostTestSupport
import Testing

@Suite("The simulator's scripted faults")
struct ScenarioFaultTests {
    let profile: DeviceProfile
    let point: DevicePoint

    init() throws {
        profile = try ProfileLibrary(folders: [packageRoot() + "/hardware"]).profile(named: "xy-md02")
        point = try #require(profile.points.first { $0.name == "temperature" })
    }

    func device(_ toml: String, seed: UInt64 = 3) throws -> SimulatedDevice {
        SimulatedDevice(profile: profile, seed: seed, scenario: try Scenario(toml: toml, file: "test.toml"))
    }

    let before = Duration.seconds(5)
    let during = Duration.seconds(12)
    let after = Duration.seconds(25)

    @Test("A spike adds its magnitude inside its window only")
    func spike() throws {
        let plain = SimulatedDevice(profile: profile, seed: 3)
        let spiked = try device(
            "[[fault]]\nkind = \"spike\"\npoint = \"temperature\"\nat = \"10s\"\nduration = \"5s\"\nmagnitude = 40.0\n")
        #expect(spiked.value(of: point, at: before) == plain.value(of: point, at: before))
        #expect(abs(spiked.value(of: point, at: during) - plain.value(of: point, at: during) - 40) < 1e-9)
        #expect(spiked.value(of: point, at: after) == plain.value(of: point, at: after))
        let humidity = try #require(profile.points.first { $0.name == "humidity" })
        #expect(spiked.value(of: humidity, at: during) == plain.value(of: humidity, at: during))
    }

    @Test("A step change stays for the rest of the run")
    func step() throws {
        let plain = SimulatedDevice(profile: profile, seed: 3)
        let stepped = try device("[[fault]]\nkind = \"step\"\nat = \"10s\"\nmagnitude = -7.5\n")
        #expect(stepped.value(of: point, at: before) == plain.value(of: point, at: before))
        for time in [during, after, Duration.seconds(3600)] {
            #expect(abs(stepped.value(of: point, at: time) - plain.value(of: point, at: time) + 7.5) < 1e-9)
        }
    }

    @Test("A stuck value repeats the value it had when it stuck, then moves again")
    func stuck() throws {
        let plain = SimulatedDevice(profile: profile, seed: 3)
        let stuck = try device("[[fault]]\nkind = \"stuck\"\nat = \"10s\"\nduration = \"600s\"\n")
        let frozen = plain.value(of: point, at: .seconds(10))
        let samples = stride(from: 10, to: 600, by: 37).map { stuck.value(of: point, at: .seconds($0)) }
        #expect(samples.allSatisfy { $0 == frozen })
        // The plain device moves over the same stretch (noise at the resolution, drift).
        #expect(Set(stride(from: 10, to: 600, by: 37).map { plain.value(of: point, at: .seconds($0)) }).count > 1)
        #expect(stuck.value(of: point, at: .seconds(700)) == plain.value(of: point, at: .seconds(700)))
    }

    @Test("A drift moves the value away linearly over its window, then it returns")
    func drift() throws {
        let plain = SimulatedDevice(profile: profile, seed: 3)
        let drifting = try device("[[fault]]\nkind = \"drift\"\nat = \"100s\"\nduration = \"1000s\"\nmagnitude = 8.0\n")
        #expect(drifting.value(of: point, at: .seconds(50)) == plain.value(of: point, at: .seconds(50)))
        for (time, expected) in [(100, 0.0), (600, 4.0), (1099, 7.992)] {
            let offset = drifting.value(of: point, at: .seconds(time)) - plain.value(of: point, at: .seconds(time))
            #expect(abs(offset - expected) <= 0.1, "at \(time) s: \(offset)")
        }
        #expect(drifting.value(of: point, at: .seconds(1200)) == plain.value(of: point, at: .seconds(1200)))
    }

    @Test("Noise adds readings scattered up to its amplitude, deterministically, inside its window only")
    func noise() throws {
        let plain = SimulatedDevice(profile: profile, seed: 3)
        let noisy = try device("[[fault]]\nkind = \"noise\"\nat = \"100s\"\nduration = \"600s\"\nmagnitude = 5.0\n")
        let offsets = (100..<700).map {
            noisy.value(of: point, at: .seconds($0)) - plain.value(of: point, at: .seconds($0))
        }
        #expect(offsets.allSatisfy { abs($0) <= 5.1 })
        #expect((offsets.map { $0 * $0 }.reduce(0, +) / Double(offsets.count)).squareRoot() > 2, "about 5/√3 rms")
        #expect(
            try device("[[fault]]\nkind = \"noise\"\nat = \"100s\"\nduration = \"600s\"\nmagnitude = 5.0\n").value(
                of: point, at: .seconds(300)) == noisy.value(of: point, at: .seconds(300)))
        #expect(noisy.value(of: point, at: .seconds(800)) == plain.value(of: point, at: .seconds(800)))
    }

    @Test("Slow, exception and silence faults change the answer inside their window, then recover")
    func answerFaults() throws {
        let request = ModbusRequest(unit: 1, function: 4, address: 1, count: 2)
        let slow = try device("[[fault]]\nkind = \"slow\"\nat = \"10s\"\nduration = \"5s\"\ndelay = \"1500ms\"\n")
        #expect(slow.respond(to: request, at: before).delay == .zero)
        #expect(slow.respond(to: request, at: during).delay == .milliseconds(1500))
        if case .registers(let words) = slow.respond(to: request, at: during).response {
            #expect(words.count == 2)
        } else {
            Issue.record("a slow device still answers with registers")
        }
        #expect(slow.respond(to: request, at: after).delay == .zero)

        let busy = try device("[[fault]]\nkind = \"exception\"\nat = \"10s\"\nduration = \"5s\"\ncode = 6\n")
        #expect(busy.respond(to: request, at: during).response == .exception(6))
        #expect(busy.respond(to: request, at: after).response != .exception(6))

        let silent = try device("[[fault]]\nkind = \"silence\"\nat = \"10s\"\nduration = \"5s\"\n")
        #expect(silent.respond(to: request, at: before).response != .silence)
        #expect(silent.respond(to: request, at: during).response == .silence)
        #expect(silent.respond(to: request, at: after).response != .silence)
    }

    @Test("The same seed serves the same values; another seed others")
    func deterministic() {
        let first = SimulatedDevice(profile: profile, seed: 11)
        let again = SimulatedDevice(profile: profile, seed: 11)
        let other = SimulatedDevice(profile: profile, seed: 12)
        let times = (0..<50).map { Duration.seconds($0 * 13) }
        #expect(times.map { first.value(of: point, at: $0) } == times.map { again.value(of: point, at: $0) })
        #expect(times.map { first.value(of: point, at: $0) } != times.map { other.value(of: point, at: $0) })
    }

    @Test(
        "A scenario file with a mistake names the file, line and key",
        arguments: [
            ("[[fault]]\nkind = \"melt\"\n", "line 2"),
            ("[[fault]]\nkind = \"spike\"\nat = \"soon\"\n", "line 3"),
            ("[[fault]]\nkind = \"spike\"\nmagnitud = 4.0\n", "line 3"),
        ])
    func badScenario(text: String, line: String) {
        do {
            _ = try Scenario(toml: text, file: "faults.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains("faults.toml"), "\(error)")
            #expect("\(error)".contains(line), "\(error)")
        }
    }
}
