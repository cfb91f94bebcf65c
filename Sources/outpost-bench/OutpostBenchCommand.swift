import ArgumentParser
import OutpostBench
import OutpostDatasets
import OutpostSystem
import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `outpost-bench`: the benchmarks whose figures BENCHMARKS.md records.
@main
struct OutpostBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outpost-bench",
        abstract: "Measure Outpost: codec size and speed, Modbus polling cost, the agent's pipeline.",
        version: "outpost-bench \(OutpostVersion.current)",
        subcommands: [
            Codec.self, Poll.self, AgentBench.self, Ingest.self, Query.self, Detect.self, API.self, Chaos.self,
            Soak.self, Link.self, Versus.self, FleetBench.self,
        ])
}

/// `outpost-bench codec`.
struct Codec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bytes per reading and encode/decode readings/s of the wire format, against its JSON rendering.")

    @Option(help: "Measure a timestamp,value CSV file instead of the reference dataset.")
    var csv: String?

    @Option(help: "The resolution of the CSV's values (0.1, 0.01, 1); none stores XOR doubles.")
    var resolution: String?

    @Option(
        name: .customLong("frame-seconds"), parsing: .unconditional,
        help: "Seconds of data per frame (a batch sealed this often).")
    var frameSeconds = 300

    @Option(parsing: .unconditional, help: "Minimum seconds spent on each measurement.")
    var seconds = 1.0

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if resolution != nil, csv == nil { throw ValidationError("--resolution applies to --csv only") }
        if let resolution, Resolution(parsing: resolution) == nil {
            throw ValidationError("--resolution '\(resolution)' is not a positive decimal step such as 0.1")
        }
        guard frameSeconds >= 1 else { throw ValidationError("--frame-seconds must be at least 1") }
        guard seconds > 0, seconds <= 600 else { throw ValidationError("--seconds must be between 0 and 600") }
    }

    func run() throws {
        let dataset: [DatasetSeries]
        if let csv {
            dataset = [try CSVSeries.load(path: csv, resolution: resolution.flatMap(Resolution.init(parsing:)))]
        } else {
            dataset = ReferenceDataset.make()
        }
        let figures = try CodecBenchmark(
            dataset: dataset, frameSeconds: frameSeconds, minimumDuration: .milliseconds(Int64(seconds * 1000))
        ).run()
        if json {
            try printJSON(figures)
            return
        }
        let rows: [(String, String)] = [
            ("dataset", csv ?? "reference (100 series, 1 Hz, 1 hour)"),
            ("readings", "\(figures.readings) in \(figures.frames) frames of \(figures.frameSeconds) s"),
            ("wire bytes/reading", format(figures.bytesPerReading, 3)),
            ("wire encode readings/s", format(figures.encodeReadingsPerS, 0)),
            ("chunk decode readings/s", format(figures.decodeReadingsPerS, 0)),
            ("frame ingest readings/s", format(figures.frameDecodeReadingsPerS, 0)),
            ("JSON bytes/reading", format(figures.jsonBytesPerReading, 3)),
            ("JSON encode readings/s", format(figures.jsonEncodeReadingsPerS, 0)),
            ("JSON decode readings/s", format(figures.jsonDecodeReadingsPerS, 0)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows {
            FileIO.printOut(
                Array((name + String(repeating: " ", count: width - name.count) + "  " + value + "\n").utf8))
        }
    }

    private func format(_ value: Double, _ decimals: Int) -> String {
        guard decimals > 0 else { return String(Int(value.rounded())) }
        let scale = Double((0..<decimals).reduce(1) { value, _ in value * 10 })
        let scaled = Int((value * scale).rounded())
        let fraction = String(scaled % Int(scale))
        return "\(scaled / Int(scale)).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }
}

/// A benchmark's work folder as an absolute path, emptied and created.
func prepareFolder(_ folder: String) throws -> String {
    let root = folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
    try? FileManager.default.removeItem(atPath: root)
    try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    return root
}

/// Prints a benchmark's figures as one line of JSON with sorted snake_case keys (NaN and
/// infinities as strings, which JSON has no numbers for).
func printJSON(_ figures: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // One key style for every command's figures: snake_case, as the explicit keys already are.
    encoder.keyEncodingStrategy = .convertToSnakeCase
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    FileIO.printOut(Array(try encoder.encode(figures)) + [0x0A])
}
