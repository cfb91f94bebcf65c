import ArgumentParser
import OutpostCLI
import OutpostHub
import OutpostSystem
import OutpostWire

/// `outpost-hub detect`.
struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract:
            "Score a CSV with the detectors ingest uses, row by row in file order: timestamp,value,score,anomaly.",
        discussion: """
            The first column is the time: RFC 3339, YYYY-MM-DD HH:MM:SS[.fff] (in --timezone), or Unix \
            seconds, milliseconds or nanoseconds. Fields are separated by , or ; (then 93,9 is a \
            decimal comma). A header names the columns; with several value columns, pick one with --column.
            """)

    @Option(help: "The input CSV, or - for standard input.") var input: String
    @Option(help: "The output CSV, or - for standard output.") var output = "-"
    @Option(help: "A hub configuration whose [detection] settings apply (default: the built-in defaults).")
    var config: String?
    @Option(help: "The series as gateway/name, to pick its [[detection.series]] rule.") var series = ""
    @Option(parsing: .unconditional, help: "The series' resolution (e.g. 0.1): the least spread the detectors believe.")
    var resolution: Double?

    @Option(help: "The value column, by its header name or its number (the time is column 1).") var column: String?
    @OptionGroup var timeZone: TimeZoneOption

    func validate() throws { try OptionRange.check(resolution, 1e-12...1e12, "--resolution") }

    func run() throws {
        var detection = DetectionConfiguration()
        if let config {
            let text = String(decoding: try FileIO.read(config), as: UTF8.self)
            do {
                detection = try HubConfiguration(toml: text, file: config).detection
            } catch {
                throw CommandFailure("\(error)")
            }
        }
        let bytes = input == "-" ? try FileIO.readStandardInput() : try FileIO.read(input)
        let text: String
        do {
            text = try DetectionReplay.run(
                bytes, settings: detection.settings(for: series, resolution: resolution), column: column,
                timeZone: try timeZone.zone())
        } catch {
            throw CommandFailure("\(input == "-" ? "standard input" : input): \(error)")
        }
        if output == "-" {
            FileIO.printOut(Array(text.utf8))
        } else {
            try FileIO.write(Array(text.utf8), to: output)
        }
    }
}
