import OutpostAgent
import OutpostDevices
import OutpostModbus
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Testing

@Suite("Modbus polling against real peers", .serialized)
struct ModbusPollerTests {
    static let vectors: [(type: PointType, value: Double)] = [
        (.int16, -12_345), (.uint16, 54_321), (.int32, -123_456_789), (.uint32, 3_000_000_000),
        (.int64, -1_234_567_890_123_456), (.uint64, 12_345_678_901_234_568), (.float32, -1234.5678),
        (.float64, 3.141_592_653_589_793),
    ]

    func profilePoints(_ device: String) throws -> DeviceProfile {
        try ProfileLibrary(folders: [packageRoot() + "/hardware"]).profile(named: device)
    }

    @Test("Every type and word order decodes what pymodbus encoded", Requires.installed(Peers.hasPymodbus, "pymodbus"))
    func typesAndOrdersAgainstPymodbus() async throws {
        var points: [DevicePoint] = []
        var json: [String] = []
        var address = 0
        for (type, value) in Self.vectors {
            for order in WordOrder.allCases {
                points.append(
                    DevicePoint(
                        name: "\(type.rawValue)_\(order.rawValue)", function: .holding, address: address,
                        codec: RegisterCodec(type: type, order: order)))
                json.append(
                    "{\"address\": \(address), \"type\": \"\(type.rawValue)\", \"order\": \"\(order.rawValue)\", \"value\": \(type == .float32 || type == .float64 ? "\(value)" : "\(Int64(value))")}"
                )
                address += 4
            }
        }
        let folder = try TemporaryFolder()
        let spec = folder.write(Array("{\"points\": [\(json.joined(separator: ","))]}".utf8), to: "spec.json")
        let (peer, url) = try Peers.pymodbus(spec: spec)
        defer { peer.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: points, settings: .init(unit: 1))
        // 32 points over 128 registers: no request may pass 125 registers, so two requests.
        #expect(poller.plannedRequests.count == 2)
        #expect(poller.plannedRequests.allSatisfy { $0.count <= 125 })
        let outcome = await poller.poll()
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        for (index, reading) in outcome.readings.enumerated() {
            let expected = Self.vectors[index / WordOrder.allCases.count]
            let want = expected.type == .float32 ? Double(Float(expected.value)) : expected.value
            #expect(reading.quality == .good)
            #expect(reading.value == want, "\(reading.point): \(reading.value) (raw \(reading.raw))")
            // The same registers encode back to what pymodbus produced.
            #expect(points[index].codec.encode(reading.value) == reading.raw, "\(reading.point)")
        }
    }

    @Test("A profile read from outpost-sim over TCP comes back good and within its limits")
    func simulatorOverTCP() async throws {
        let profile = try profilePoints("eastron-sdm630")
        let (sim, url) = try Peers.simulator(["--profile", "eastron-sdm630", "--seed", "7"])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(unit: profile.defaultUnit), maxRegisters: profile.maxRegistersPerRequest)
        let outcome = await poller.poll()
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(outcome.readings.count == profile.points.count)
        for (reading, point) in zip(outcome.readings, profile.points) {
            #expect(reading.quality == .good)
            if let limits = point.limits { #expect(limits.contains(reading.value), "\(point.name) = \(reading.value)") }
        }
    }

    @Test("RTU over a pty: the simulator answers the poller")
    func simulatorOverRTU() async throws {
        let profile = try profilePoints("xy-md02")
        let sim = try ChildProcess(
            Binaries.path("outpost-sim"), ["modbus", "--pty", "--profile", "xy-md02"],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"])
        defer { sim.terminate() }
        let url = String(try sim.waitForLine(startingWith: "listening ").dropFirst("listening ".count))
        let endpoint = try ModbusEndpoint(parsing: url + "?baud=9600&rs485=true")
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: endpoint), points: profile.points, settings: .init(unit: profile.defaultUnit),
            maxRegisters: profile.maxRegistersPerRequest, forbidden: profile.forbidden)
        let outcome = await poller.poll()
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(outcome.readings.allSatisfy { $0.quality == .good })
        let temperature = try #require(outcome.readings.first { $0.point == "temperature" })
        #expect((-40...60).contains(temperature.value))
    }

    @Test("A device that stops answering gives bad samples and backoff, then recovers by itself")
    func silenceAndRecovery() async throws {
        let folder = try TemporaryFolder()
        let scenario = folder.write(
            Array("[[fault]]\nkind = \"silence\"\nat = \"0s\"\nduration = \"1500ms\"\n".utf8), to: "silence.toml")
        let profile = try profilePoints("xy-md02")
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02", "--scenario", scenario])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(
                unit: 1, timeout: .milliseconds(200), retries: 0,
                backoff: Backoff(initial: .milliseconds(100), maximum: .milliseconds(400))),
            maxRegisters: profile.maxRegistersPerRequest, forbidden: profile.forbidden)
        var timeouts = 0
        var skipped = 0
        var recovered = false
        let deadline = ContinuousClock.now + .seconds(30)
        while !recovered, ContinuousClock.now < deadline {
            let outcome = await poller.poll()
            if outcome.skippedForBackoff {
                skipped += 1
                #expect(
                    outcome.readings.allSatisfy {
                        $0.quality == Quality(.bad, code: ModbusPoller.backoffQualityCode) && $0.value.isNaN
                    })
            } else if outcome.readings.allSatisfy({ $0.quality == .good }) {
                recovered = true
            } else {
                // A poll of several requests that the silence begins in the middle of has good
                // readings before its first timeout; every other reading is a timeout.
                #expect(
                    outcome.readings.allSatisfy { $0.quality == .good || $0.quality == Quality(.bad, code: 1) },
                    "\(outcome.readings.map(\.quality))")
                timeouts += 1
            }
            // The poll interval of this schedule (behaviour under test: polls keep coming while the
            // device is silent); the loop itself ends on the recovery condition or the deadline.
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(timeouts >= 1)
        #expect(skipped >= 1)
        #expect(recovered)
    }

    @Test("Exception responses become bad samples carrying the exception code")
    func exceptionResponses() async throws {
        let folder = try TemporaryFolder()
        let scenario = folder.write(Array("[[fault]]\nkind = \"exception\"\ncode = 6\n".utf8), to: "busy.toml")
        let profile = try profilePoints("xy-md02")
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02", "--scenario", scenario])
        defer { sim.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(unit: 1, retries: 0), maxRegisters: profile.maxRegistersPerRequest,
            forbidden: profile.forbidden)
        let outcome = await poller.poll()
        #expect(outcome.readings.allSatisfy { $0.quality == Quality(.bad, code: 0x86) })
        #expect(outcome.errors.first?.code == .exception(6))
        #expect(outcome.errors.first?.description.contains(url) == true)
    }
}

extension ModbusPollerTests {
    @Test(
        "A device answering with wrong lengths, function codes, transaction ids or garbage: bad samples with the reason, never a value",
        arguments: ["short", "count", "function", "txid", "garbage"])
    func brokenResponses(mode: String) async throws {
        let profile = try profilePoints("eastron-sdm630")
        let (device, url) = try Peers.brokenModbusDevice(mode)
        defer { device.terminate() }
        let poller = ModbusPoller(
            bus: try ModbusBus(endpoint: try ModbusEndpoint(parsing: url)), points: profile.points,
            settings: .init(unit: 1, timeout: .milliseconds(300), retries: 0),
            maxRegisters: profile.maxRegistersPerRequest,
            forbidden: profile.forbidden)
        let outcome = await poller.poll()
        #expect(outcome.readings.count == profile.points.count)
        #expect(
            outcome.readings.allSatisfy { $0.quality.level == .bad && $0.value.isNaN }, "\(mode): \(outcome.readings)")
        #expect(!outcome.errors.isEmpty)
        #expect(outcome.errors.allSatisfy { $0.description.contains(url) }, "\(outcome.errors)")
        // A short answer is waited for until the timeout; the others are refused as they come.
        let expected =
            mode == "short" ? "no answer within the response timeout" : "the answer does not match the request"
        #expect(outcome.errors.allSatisfy { $0.description.contains(expected) }, "\(mode): \(outcome.errors)")
        // The next poll waits out the backoff (the device never answered sensibly), still no value.
        let next = await poller.poll()
        #expect(next.readings.allSatisfy { $0.quality.level == .bad && $0.value.isNaN })
    }
}
