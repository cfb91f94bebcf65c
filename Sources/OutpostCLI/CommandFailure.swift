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
