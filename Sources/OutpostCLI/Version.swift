/// The version every Outpost executable reports with `--version`.
public enum OutpostVersion {
    /// Semantic version of this build.
    public static let current = "0.1.0"
}

/// A command that could not do its job: printed as `Error: <message>`, exit status 1, no usage.
/// (Argument mistakes are `ValidationError`s instead, printed with usage.)
public struct CommandFailure: Error, CustomStringConvertible {
    /// What failed and where.
    public let description: String

    /// Creates a failure with a message a person can act on.
    public init(_ message: String) {
        description = message
    }
}
