import ArgumentParser
import OutpostConfig
import OutpostDevices
import OutpostSimulation
import OutpostSystem
import OutpostWire

/// `outpost-sim history`: what a device of a profile read before the simulator started, for a
/// hub to import (`outpost-hub import`), so that a demo or a test begins with a past its
/// detectors have learned from rather than with ten minutes of learning.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the readings a simulated device gave before now: one CSV per point, for outpost-hub import.",
        discussion: """
            The values are the ones `outpost-sim modbus` serves with the same profile and seed, for the
            span before it starts (no faults: the scenario begins at the start), time-stamped so that
            the last one is now. Each file is DIR/SOURCE.POINT.csv (time in Unix ns, value), named
            as the agent names the series. Prints a line per file, tab-separated: the file, the
            series, its resolution (or -) and its unit (or -).
            """)

    @Option(help: "The device profile (hardware/devices/NAME.toml).")
    var profile: String

    @Option(help: "Seed of the value model (as given to outpost-sim modbus).")
    var seed: UInt64 = 1

    @Option(help: "How far back the history reaches, e.g. 30m or 2h.")
    var span = "30m"

    @Option(help: "Time between readings, e.g. 1s.")
    var interval = "1s"

    @Option(help: "The source's name in the agent's configuration ([[modbus]] name): series are SOURCE.POINT.")
    var source = "dev"

    @Option(help: "The folder to write the files to (created when missing).")
    var out: String

    func run() throws {
        guard let span = parseDuration(span), span > .zero else {
            throw ValidationError("--span '\(self.span)' is not a duration; use e.g. 30m or 2h")
        }
        guard let step = parseDuration(interval), step >= .milliseconds(1) else {
            throw ValidationError("--interval '\(interval)' is not a duration of 1ms or more; use e.g. 1s")
        }
        let count = span / step
        guard count <= 10_000_000 else {
            throw ValidationError(
                "--span \(self.span) at --interval \(interval) is \(Int(count)) readings a point; at most 10,000,000")
        }
        let device = SimulatedDevice(profile: try ProfileLibrary().profile(named: profile), seed: seed)
        try FileIO.makeDirectory(out)
        let now = systemWallClock()
        let steps = Int(count.rounded(.down))
        for point in device.profile.points {
            let series = "\(source).\(point.name)"
            let path = "\(out)/\(series).csv"
            var text = "time,value\n"
            text.reserveCapacity(steps * 32)
            for index in stride(from: steps, to: 0, by: -1) {
                let before = step * index
                text += "\(now - before.nanoseconds),\(device.value(of: point, at: .zero - before))\n"
            }
            try FileIO.write(Array(text.utf8), to: path)
            let resolution = point.resolution.map { "\($0)" } ?? "-"
            FileIO.printOut(Array("\(path)\t\(series)\t\(resolution)\t\(point.unit.isEmpty ? "-" : point.unit)\n".utf8))
        }
    }
}
