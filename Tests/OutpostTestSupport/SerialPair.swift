#if canImport(Glibc)
    import Glibc
#endif

/// Two serial ports wired to each other: a socat pty pair with stable link names, as a null-modem
/// cable between a device and the agent. Closing it (`unplug`) is what a pulled USB adapter looks
/// like to both ends; `plugBack` makes a new pair under the same names.
package final class SerialPair {
    /// The first end's path (a symlink to a `/dev/pts/N`).
    package let first: String
    /// The second end's path.
    package let second: String
    private var socat: ChildProcess?

    /// Whether socat is installed (it is after `make deps`).
    package static var isAvailable: Bool { access("/usr/bin/socat", X_OK) == 0 }

    /// Creates the pair in `folder` under `names`, returning once both ends exist.
    package init(in folder: TemporaryFolder, names: (String, String) = ("device", "agent")) throws {
        first = folder.file(names.0)
        second = folder.file(names.1)
        try plugBack()
    }

    deinit { socat?.terminate() }

    /// Closes both ends: readers see end-of-file or EIO, and the paths vanish.
    package func unplug() {
        socat?.terminate()
        socat = nil
    }

    /// Creates the pair again under the same names (after `unplug`).
    package func plugBack() throws {
        let process = try ChildProcess(
            "/usr/bin/socat", ["-d", "-d", "pty,raw,echo=0,link=\(first)", "pty,raw,echo=0,link=\(second)"])
        // socat -d -d announces its transfer loop once both ptys and links exist.
        _ = try process.waitForStderrLine(containing: "starting data transfer loop")
        socat = process
    }
}
