import ArgumentParser
import OutpostAgent
import OutpostCLI
import OutpostDevices
import OutpostModbus
import OutpostSystem
import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-agent probe`: is the meter answering, and is the word order right?
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract:
            "Read a Modbus device once: every point of a profile, or raw registers matched against a value you see on the device.",
        discussion: """
            outpost-agent probe tcp://192.168.1.50:502 --unit 1 --profile eastron-sdm120
            outpost-agent probe rtu:///dev/ttyUSB0?baud=9600 --unit 3 --address 0 --count 2 --expect 231.4
            """)

    @Argument(help: "The device: tcp://HOST:PORT or rtu:///dev/ttyX?baud=9600&parity=N&data=8&stop=1")
    var url: String

    @Option(parsing: .unconditional, help: "The unit id (default: the profile's, else 1).")
    var unit: Int?

    @Option(help: "Read every point of this profile (hardware/devices/NAME.toml).")
    var profile: String?

    @Option(parsing: .unconditional, help: "The register the value starts at, as the device's document numbers it.")
    var address: Int?

    @Option(parsing: .unconditional, help: "How many registers to read (1-124).")
    var count = 4

    @Option(
        parsing: .unconditional,
        help: "The value the device's display shows, to find the matching type, order and scale.")
    var expect: Double?

    @Option(help: "holding or input registers (with --address).")
    var function = "holding"

    @Option(parsing: .unconditional, help: "Seconds to wait for an answer.")
    var timeout = 1.0

    @Option(help: "A hardware/ folder to look for --profile in first (also: OUTPOST_HARDWARE_DIR).")
    var hardwareDir: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard (profile == nil) != (address == nil) else {
            throw ValidationError("give either --profile NAME, or --address A --expect VALUE")
        }
        if address != nil, expect == nil {
            throw ValidationError("--address needs --expect VALUE (the value the device shows)")
        }
        if let address, !(0...65_535).contains(address) {
            throw ValidationError("--address \(address) is outside 0-65535")
        }
        guard (1...124).contains(count) else { throw ValidationError("--count must be 1-124") }
        guard ["holding", "input"].contains(function) else {
            throw ValidationError("--function must be holding or input")
        }
        guard timeout > 0, timeout <= 60 else { throw ValidationError("--timeout must be between 0 and 60 seconds") }
        let endpoint: ModbusEndpoint
        do {
            endpoint = try ModbusEndpoint(parsing: url)
        } catch {
            throw ValidationError(error.description)
        }
        if let unit, let problem = endpoint.unitProblem(unit) { throw ValidationError("--unit: \(problem)") }
        if let expect, !expect.isFinite {
            throw ValidationError("--expect is the number the device shows, not \(expect)")
        }
    }

    func run() async throws {
        let endpoint = try ModbusEndpoint(parsing: url)
        let wait = Duration.milliseconds(Int64(timeout * 1000))
        if let profile {
            let deviceProfile = try ProfileLibrary(first: hardwareDir).profile(named: profile)
            let readings = try await Probe.readProfile(
                endpoint: endpoint, unit: unit.map { UInt8(clamping: $0) } ?? deviceProfile.defaultUnit,
                profile: deviceProfile, timeout: wait)
            let units = Dictionary(
                deviceProfile.points.map { ($0.name, $0.unit) }, uniquingKeysWith: { first, _ in first })
            if json {
                struct Row: Encodable {
                    let name: String, value: Double?, unit: String, quality: String, raw: [UInt16]
                }
                let rows = readings.map {
                    Row(
                        name: $0.point, value: $0.value.isFinite ? $0.value : nil, unit: units[$0.point] ?? "",
                        quality: $0.quality.description, raw: $0.raw)
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                FileIO.printOut(Array(try encoder.encode(rows)) + [0x0A])
            } else {
                let table =
                    [["point", "raw registers", "value", "unit", "quality"]]
                    + readings.map { reading in
                        [
                            reading.point, reading.raw.map(hex).joined(separator: " "),
                            reading.value.isFinite ? "\(reading.value)" : "-", units[reading.point] ?? "",
                            reading.quality.description,
                        ]
                    }
                FileIO.printOut(Array(TextTable.render(table).utf8))
            }
            if readings.allSatisfy({ $0.quality.level == .bad }) {
                throw CommandFailure(
                    "\(endpoint) unit \(unit.map(String.init) ?? String(deviceProfile.defaultUnit)): no point could be read (\(readings.first?.quality.description ?? "no points"))"
                )
            }
            return
        }
        guard let address, let expect else { return }
        let (registers, first, candidates) = try await Probe.search(
            endpoint: endpoint, unit: unit.map { UInt8(clamping: $0) } ?? 1,
            function: function == "input" ? .input : .holding, address: address,
            count: count,
            expected: expect, timeout: wait)
        if json {
            struct Match: Encodable {
                let address: Int, one_based: Bool, type: String, order: String, scale: Double, value: Double,
                    relative_error: Double
            }
            let matches = candidates.map {
                Match(
                    address: $0.address, one_based: $0.oneBased, type: $0.codec.type.rawValue,
                    order: $0.codec.order.rawValue, scale: $0.codec.scale, value: $0.value,
                    relative_error: $0.relativeError)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileIO.printOut(Array(try encoder.encode(matches)) + [0x0A])
        } else {
            FileIO.printOut(
                Array(
                    "registers \(first)-\(first + registers.count - 1): \(registers.map(hex).joined(separator: " "))\n"
                        .utf8))
            if candidates.isEmpty {
                FileIO.printOut(Array("no type, order or scale gives \(expect) (within 1 %)\n".utf8))
            } else {
                let table =
                    [["address", "type", "order", "scale", "decodes to"]]
                    + candidates.map { candidate in
                        [
                            "\(candidate.address)"
                                + (candidate.oneBased ? " (document register \(candidate.address + 1))" : ""),
                            candidate.codec.type.rawValue, candidate.codec.order.rawValue, "\(candidate.codec.scale)",
                            "\(candidate.value)",
                        ]
                    }
                FileIO.printOut(Array(TextTable.render(table).utf8))
            }
        }
    }

    private func hex(_ word: UInt16) -> String { "0x" + Hex.digits(word, uppercase: true) }
}
