import ArgumentParser
import OutpostCLI
import OutpostHub

/// `--timezone`: the zone of a file's times written without an offset.
struct TimeZoneOption: ParsableArguments {
    @Option(
        name: .customLong("timezone"),
        help:
            "The zone of times written without an offset: UTC, an offset such as +03:00, or a name such as Europe/Moscow."
    )
    var name = "UTC"

    func validate() throws { _ = try zone() }

    /// The zone, or a failure saying what would be valid.
    func zone() throws -> LocalTimeZone {
        guard let zone = LocalTimeZone(name) else {
            throw CommandFailure(
                "--timezone '\(name.prefix(64))' is not a time zone; use UTC, an offset such as +03:00, or a name such as Europe/Moscow"
            )
        }
        return zone
    }
}
