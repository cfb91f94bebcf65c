import OutpostAgent
import OutpostDevices
import OutpostModbus
import OutpostTestSupport
import OutpostWire
import Testing

/// RTU against pymodbus over a socat pty pair: a null-modem cable between two real serial ports.
@Suite(
    "Modbus RTU against pymodbus over a serial pair", .serialized,
    Requires.installed(Peers.hasPymodbus && SerialPair.isAvailable, "pymodbus and socat"))
struct ModbusRTUTests {
    /// The value of `unit`'s points: distinct per unit, so a crossed answer cannot pass.
    static func temperature(unit: Int) -> Double { Double(unit) * 10 + 0.25 }

    static let points = [
        DevicePoint(
            name: "temperature", function: .input, address: 0, codec: RegisterCodec(type: .float32, order: .cdab)),
        DevicePoint(name: "unit_echo", function: .holding, address: 4, codec: RegisterCodec(type: .uint16)),
        DevicePoint(name: "energy", function: .holding, address: 8, codec: RegisterCodec(type: .int64, order: .dcba)),
    ]

    static func spec(units: [Int]) -> String {
        let devices = units.map { unit in
            """
            "\(unit)": {"points": [
                {"address": 0, "type": "float32", "order": "CDAB", "value": \(temperature(unit: unit))},
                {"address": 4, "type": "uint16", "order": "ABCD", "value": \(unit)},
                {"address": 8, "type": "int64", "order": "DCBA", "value": \(-1_000_000_007 * unit)}]}
            """
        }
        return "{\"units\": {\(devices.joined(separator: ","))}}"
    }

    func startPeer(units: [Int], in folder: TemporaryFolder) throws -> (ChildProcess, SerialPair) {
        let pair = try SerialPair(in: folder)
        let spec = folder.write(Array(Self.spec(units: units).utf8), to: "spec.json")
        let (peer, _) = try Peers.pymodbus(spec: spec, extra: ["--rtu", pair.first])
        return (peer, pair)
    }

    @Test("Types and word orders decode what pymodbus encoded, over RTU")
    func oneUnit() async throws {
        let folder = try TemporaryFolder()
        let (peer, pair) = try startPeer(units: [1], in: folder)
        defer { peer.terminate() }
        let bus = try ModbusBus(endpoint: try ModbusEndpoint(parsing: "rtu://\(pair.second)?baud=9600&parity=N"))
        let poller = ModbusPoller(bus: bus, points: Self.points, settings: .init(unit: 1))
        let outcome = await poller.poll()
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(outcome.readings.map(\.value) == [Self.temperature(unit: 1), 1, -1_000_000_007])
        #expect(outcome.readings.allSatisfy { $0.quality == .good })
    }

    @Test("Three units on one bus, polled at once, take turns and never get each other's answers")
    func unitsShareTheBus() async throws {
        let folder = try TemporaryFolder()
        let units = [1, 2, 7]
        let (peer, pair) = try startPeer(units: units, in: folder)
        defer { peer.terminate() }
        let bus = try ModbusBus(endpoint: try ModbusEndpoint(parsing: "rtu://\(pair.second)"))
        let pollers = units.map { ModbusPoller(bus: bus, points: Self.points, settings: .init(unit: UInt8($0))) }
        let results = await withTaskGroup(of: (Int, [ModbusPoller.Outcome]).self) { group in
            for (unit, poller) in zip(units, pollers) {
                group.addTask {
                    var outcomes: [ModbusPoller.Outcome] = []
                    for _ in 0..<5 { outcomes.append(await poller.poll()) }
                    return (unit, outcomes)
                }
            }
            var collected: [Int: [ModbusPoller.Outcome]] = [:]
            for await (unit, outcomes) in group { collected[unit] = outcomes }
            return collected
        }
        for unit in units {
            let outcomes = try #require(results[unit])
            #expect(outcomes.count == 5)
            for outcome in outcomes {
                #expect(outcome.errors.isEmpty, "unit \(unit): \(outcome.errors)")
                #expect(
                    outcome.readings.map(\.value) == [
                        Self.temperature(unit: unit), Double(unit), -1_000_000_007 * Double(unit),
                    ],
                    "unit \(unit)")
            }
        }
    }

    @Test("A unit that is not on the bus times out with bad quality; the unit that is there still answers")
    func missingUnit() async throws {
        // outpost-sim, like a real device, stays silent for other unit ids (pymodbus answers them).
        let folder = try TemporaryFolder()
        let pair = try SerialPair(in: folder)
        let sim = try ChildProcess(
            Binaries.path("outpost-sim"), ["modbus", "--rtu", pair.first, "--profile", "xy-md02", "--unit", "1"],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"])
        defer { sim.terminate() }
        _ = try sim.waitForLine(startingWith: "listening ")
        let profile = try ProfileLibrary(folders: [packageRoot() + "/hardware"]).profile(named: "xy-md02")
        let bus = try ModbusBus(endpoint: try ModbusEndpoint(parsing: "rtu://\(pair.second)"))
        let absent = ModbusPoller(
            bus: bus, points: profile.points, settings: .init(unit: 9, timeout: .milliseconds(200), retries: 0),
            forbidden: profile.forbidden)
        let present = ModbusPoller(
            bus: bus, points: profile.points, settings: .init(unit: 1), forbidden: profile.forbidden)
        let missing = await absent.poll()
        #expect(missing.readings.allSatisfy { $0.quality == Quality(.bad, code: 1) && $0.value.isNaN })
        #expect(missing.errors.first?.code == .timeout, "\(missing.errors)")
        let answered = await present.poll()
        #expect(answered.errors.isEmpty, "\(answered.errors)")
        #expect(answered.readings.allSatisfy { $0.quality == .good })
    }
}
