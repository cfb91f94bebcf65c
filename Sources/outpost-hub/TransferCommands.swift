import ArgumentParser
import Foundation
import OutpostCLI
import OutpostHub
import OutpostSystem
import OutpostWire

/// `outpost-hub import`.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Backfill one series from a CSV file (timestamp,value[,quality]), e.g. a data logger's export.")

    @OptionGroup var config: ConfigOption
    @Option(help: "The gateway the series belongs to.") var gateway: String
    @Option(help: "The series name.") var series: String
    @Option(help: "The series' resolution (e.g. 0.01): values are stored as exact multiples of it.")
    var resolution: String?
    @Option(help: "The unit (free text).") var unit = ""
    @Option(help: "In a file of several columns, the one to import, by header name or number (the time is 1).")
    var column: String?
    @OptionGroup var timeZone: TimeZoneOption
    @Argument(help: "The CSV file.") var file: String

    func run() async throws {
        guard BatchFrame.isValidGatewayID(gateway) else {
            throw CommandFailure("'\(gateway)' is not a gateway id: use 1-128 of A-Z a-z 0-9 . _ -")
        }
        var parsedResolution: Resolution?
        if let resolution {
            guard let parsed = Resolution(parsing: resolution) else {
                throw CommandFailure("--resolution '\(resolution)' is not a resolution; use e.g. 0.01")
            }
            parsedResolution = parsed
        }
        let bytes = try FileIO.read(file)
        let zone = try timeZone.zone()
        let samples: [Sample]
        do throws(CSVReadings.ProblemList) {
            samples = try CSVReadings.parse(bytes, column: column, timeZone: zone)
        } catch {
            for problem in error.problems { FileIO.printError("\(file): \(problem)") }
            throw CommandFailure("\(file): not imported; nothing was stored")
        }
        let store = try await config.openStore()
        let descriptor = SeriesDescriptor(id: 0, name: series, unit: unit, resolution: parsedResolution)
        let terminal = isatty(STDERR_FILENO) == 1
        try await ReadingsImport.run(samples, gateway: gateway, series: descriptor, into: store) { done in
            guard terminal else { return }
            let width = 30
            let filled = samples.isEmpty ? width : done * width / samples.count
            FileIO.printErrorRaw(
                "\r[\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
                    + "\(done)/\(samples.count) readings")
        }
        if terminal { FileIO.printErrorRaw("\n") }
        FileIO.printOut(Array("imported \(samples.count) readings into \(gateway)/\(series)\n".utf8))
    }
}

/// `outpost-hub export`.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write one series' readings in a time range as CSV or JSON.")

    enum Format: String, ExpressibleByArgument { case csv, json }

    @OptionGroup var config: ConfigOption
    @Option(help: "The gateway.") var gateway: String
    @Option(help: "The series name.") var series: String
    @Option(help: "Start: now-24h, RFC 3339, or ns since the epoch.") var from: String
    @Option(help: "End (inclusive), same forms.") var to: String = "now"
    @Option(help: "csv or json.") var format: Format = .csv

    func run() async throws {
        let now = systemWallClock()
        guard let start = TimeArgument.parse(from, now: now), let end = TimeArgument.parse(to, now: now), start <= end
        else {
            throw CommandFailure("--from/--to take now, now-24h, RFC 3339 or ns since the epoch, with from <= to")
        }
        let samples = try await QueryEngine(store: try config.openStore()).range(
            SeriesKey(gateway: gateway, name: series), start...end)
        var out = ""
        switch format {
        case .csv:
            out = "timestamp,value,quality\n"
            for sample in samples { out += CSVReadings.line(sample) + "\n" }
        case .json:
            // The API's own answer for the range (GET /api/v1/series), written the same way.
            let answer = API.SeriesSamples(
                gateway: gateway, series: series, from: start, to: end, samples: samples.map(API.SampleRow.init))
            out = String(decoding: try APIJSON.encode(answer), as: UTF8.self) + "\n"
        }
        FileIO.printOut(Array(out.utf8))
    }
}
