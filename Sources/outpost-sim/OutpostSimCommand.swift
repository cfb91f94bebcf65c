import ArgumentParser
import OutpostDevices
import OutpostModbus
import OutpostSerial
import OutpostSimulation
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-sim`: simulated field devices for tests, demos and benchmarks.
@main
struct OutpostSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost-sim",
        abstract: "Simulate Modbus TCP/RTU devices and NMEA serial devices for tests, demos and benchmarks.",
        version: "outpost-sim \(OutpostVersion.current)",
        subcommands: [Modbus.self, History.self, NMEA.self])
}

/// `outpost-sim modbus`: one device of a profile, over TCP or RTU.
struct Modbus: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a device profile over Modbus TCP, or RTU on a serial device or a new pty.",
        discussion: """
            Prints one line when ready: 'listening tcp://HOST:PORT' or 'listening rtu:///dev/pts/N',
            then serves until SIGTERM or SIGINT.
            """)

    @Option(help: "Listen for Modbus TCP on HOST:PORT (port 0 picks a free port).")
    var listen: String?

    @Option(help: "Serve RTU on this serial device (for example one end of a socat pty pair).")
    var rtu: String?

    @Flag(help: "Create a pty pair, serve RTU on one end and print the device path of the other.")
    var pty = false

    @Option(help: "The device profile (hardware/devices/NAME.toml) to serve.")
    var profile: String

    @Option(parsing: .unconditional, help: "The unit id to answer as (default: the profile's).")
    var unit: UInt8?

    @Option(help: "A scenario file (TOML) scripting faults over time.")
    var scenario: String?

    @Option(help: "Seed of the value model; the same seed serves the same values.")
    var seed: UInt64 = 1

    @Option(
        name: .customLong("served-log"),
        help: "Append a line per answer served to this file: wall-clock ns, function, address, count, answer.")
    var servedLog: String?

    func validate() throws {
        let modes = [listen != nil, rtu != nil, pty].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of --listen HOST:PORT, --rtu DEVICE or --pty") }
    }

    func run() throws {
        let library = ProfileLibrary()
        let deviceProfile = try library.profile(named: profile)
        var faults = OutpostSimulation.Scenario.none
        if let scenario {
            let text = String(decoding: try FileIO.read(scenario), as: UTF8.self)
            faults = try OutpostSimulation.Scenario(toml: text, file: scenario)
        }
        let device = SimulatedDevice(profile: deviceProfile, unit: unit, seed: seed, scenario: faults)
        let server: ModbusServer
        let announcement: String
        if let listen {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("--listen '\(listen)' is not HOST:PORT")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            server = try ModbusServer(tcpHost: host, port: port)
            announcement = "listening tcp://\(listen[..<colon]):\(server.port ?? port)"
        } else if let rtu {
            server = try ModbusServer(rtu: .init(device: rtu), unit: device.unit)
            announcement = "listening rtu://\(rtu)"
        } else {
            let (master, path) = try PseudoTerminal.open()
            server = try ModbusServer(rtuDescriptor: master, unit: device.unit)
            announcement = "listening rtu://\(path)"
        }
        let served = try servedLog.map { try ServedLog(path: $0) }
        SimulatorSignals.install(server)
        FileIO.printOut(Array((announcement + "\n").utf8))
        let start = ContinuousClock.now
        server.serve { request in
            let elapsed = ContinuousClock.now - start
            let (response, delay) = device.respond(to: request, at: elapsed)
            if delay > .zero {
                let parts = delay.components
                usleep(UInt32(clamping: parts.seconds * 1_000_000 + parts.attoseconds / 1_000_000_000_000))
            }
            served?.record(request, response)
            return response
        }
    }
}

/// The simulator's own record of what it answered, one line per answer, written as it is served
/// (so a process stopped or killed keeps every line): what `outpost-bench chaos` counts readings
/// against, independently of the agent.
final class ServedLog {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ValidationError("--served-log \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// `WALL_NS FUNCTION ADDRESS COUNT ANSWER`, ANSWER being `ok`, `exception-N` or `silence`.
    func record(_ request: ModbusRequest, _ response: ModbusResponse) {
        let answer: String
        switch response {
        case .registers, .bits: answer = "ok"
        case .exception(let code): answer = "exception-\(code)"
        case .silence: answer = "silence"
        }
        let line = "\(systemWallClock()) \(request.function) \(request.address) \(request.count) \(answer)\n"
        FileIO.writeAll(Array(line.utf8), to: descriptor)
    }
}
