/// A command that could not do its job: printed as `Error: <message>`, exit status 1, no usage.
/// (Argument mistakes are `ValidationError`s instead, printed with usage.)
package struct CommandFailure: Error, CustomStringConvertible {
    /// What failed and where.
    package let description: String

    /// Creates a failure with a message a person can act on.
    package init(_ message: String) {
        description = message
    }
}
