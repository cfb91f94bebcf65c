import ArgumentParser
import OutpostSerial
import OutpostSimulation
import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-sim nmea`: a GPS receiver on a serial line.
struct NMEA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nmea",
        abstract: "Emit a moving GPS track as NMEA 0183 (GGA and RMC) on a serial device or a new pty.",
        discussion: """
            Prints one line when ready: 'listening /dev/pts/N' (or the device given), then writes
            one fix per period until SIGTERM or SIGINT. Now and then a sentence is damaged (a bad
            checksum, a line cut short, line noise), as on real wiring; --corrupt-one-in 0 stops that.
            """)

    @Flag(help: "Create a pty pair, write to one end and print the device path of the other.")
    var pty = false

    @Option(help: "Write to this serial device instead (for example one end of a socat pty pair).")
    var device: String?

    @Option(parsing: .unconditional, help: "Seconds between fixes.")
    var period: Double = 1

    @Option(parsing: .unconditional, help: "On average one fix in this many is damaged; 0 for none.")
    var corruptOneIn: Int = 20

    @Option(help: "Seed of the track and of the damage; the same seed writes the same sentences.")
    var seed: UInt64 = 1

    func validate() throws {
        guard pty != (device != nil) else { throw ValidationError("give exactly one of --pty or --device PATH") }
        guard period > 0, period <= 3600 else { throw ValidationError("--period must be in (0, 3600] seconds") }
        guard corruptOneIn >= 0 else { throw ValidationError("--corrupt-one-in must be 0 or more") }
    }

    func run() throws {
        let port: SerialPort
        let path: String
        if let device {
            port = try SerialPort(SerialLine(device: device, baud: 4800))
            path = device
        } else {
            let (master, slave) = try PseudoTerminal.open()
            port = SerialPort(adopting: master, line: SerialLine(device: slave))
            path = slave
        }
        SimulatorSignals.install()
        FileIO.printOut(Array("listening \(path)\n".utf8))
        let gps = SimulatedGPS(seed: seed, corruptOneIn: corruptOneIn)
        let start = ContinuousClock.now
        var index: UInt64 = 0
        while !SimulatorSignals.shouldStop {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let bytes = gps.sentences(
                index: index, elapsed: seconds, unixTime: Double(now.tv_sec) + Double(now.tv_nsec) / 1e9)
            // A receiver does not wait for a listener: with nobody reading, the pty's buffer fills
            // (or the other end is closed) and the fix is lost, as on a real line.
            do {
                try port.write(bytes, waitingUpTo: .milliseconds(50))
            } catch {
                // Nobody has the other end open right now: keep talking. Anything else ends the run.
                guard error.code == .disconnected else { throw error }
            }
            index += 1
            usleep(UInt32(period * 1_000_000))
        }
    }
}
