import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a program's configuration file, saying plainly when there is none: a newcomer who runs
/// a command without `--config` meets the default path, a file they never wrote.
package enum ConfigurationText {
    /// The text of `path`; `defaultPath` is where the program looks when not told, and `what`
    /// names the file in the message ("hub configuration").
    package static func read(_ path: String, defaultPath: String, what: String) throws -> String {
        guard access(path, F_OK) == 0 else {
            let origin = path == defaultPath ? " (where it is looked for unless --config names another)" : ""
            throw CommandFailure(
                "no \(what) at \(path)\(origin): give --config FILE, or write one from the configuration reference (docs/agent.md, docs/hub.md)"
            )
        }
        return String(decoding: try FileIO.read(path), as: UTF8.self)
    }
}
