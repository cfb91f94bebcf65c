#if canImport(Glibc)
    import Glibc
#endif

/// Where the package's executables were built: beside the running test bundle (SwiftPM puts
/// both in the same build folder), or `OUTPOST_BIN_DIR` when set.
package enum Binaries {
    /// The folder holding `outpost-agent`, `outpost-hub`, `outpostctl`, `outpost-sim`, `outpost-bench`.
    package static let folder: String = {
        if let configured = getenv("OUTPOST_BIN_DIR") { return String(cString: configured) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return ".build/debug" }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var folder = executable[..<(executable.lastIndex(of: "/") ?? executable.endIndex)]
        // The test bundle may sit inside `X.xctest/` bundle folders on some platforms.
        while folder.hasSuffix(".xctest") || folder.contains(".xctest/") {
            folder = folder[..<(folder.lastIndex(of: "/") ?? folder.startIndex)]
        }
        return String(folder)
    }()

    /// The path of executable `name`.
    package static func path(_ name: String) -> String { folder + "/" + name }
}

extension ChildProcess {
    /// `outpost-agent run` with `config`, as systemd starts it (the packaged binary, the repository's
    /// device profiles, notices and above logged); `fault` names a point to die at
    /// (`OUTPOST_FAULT_AT`).
    package static func packagedAgent(config: String, fault: String? = nil) throws -> ChildProcess {
        var environment = ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"]
        environment["OUTPOST_FAULT_AT"] = fault
        return try ChildProcess(
            Binaries.path("outpost-agent"), ["run", "--config", config, "--log-level", "notice"],
            environment: environment)
    }
}
