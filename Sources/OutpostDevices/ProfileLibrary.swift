import OutpostConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Finds device profiles by name in the `hardware/devices` folders of an installation.
///
/// Searched in order: `OUTPOST_HARDWARE_DIR`, then `hardware/` beside the working directory (a
/// source checkout), then `/usr/share/outpost/hardware` (an installed system).
public struct ProfileLibrary: Sendable {
    /// The hardware folders searched, in order.
    public let folders: [String]

    /// Creates a library over `folders`, or the default search path.
    public init(folders: [String]? = nil) {
        if let folders {
            self.folders = folders
            return
        }
        var defaults: [String] = []
        if let configured = getenv("OUTPOST_HARDWARE_DIR") { defaults.append(String(cString: configured)) }
        defaults += ["hardware", "/usr/share/outpost/hardware"]
        self.folders = defaults
    }

    /// Loads the profile called `name` (or the profile file at a path containing `/`).
    public func profile(named name: String) throws(ConfigError) -> DeviceProfile {
        let candidates = name.contains("/") ? [name] : folders.map { "\($0)/devices/\(name).toml" }
        for path in candidates {
            guard let text = readText(path) else { continue }
            let profile = try DeviceProfile(toml: text, file: path)
            if !name.contains("/"), profile.name != name {
                throw ConfigError(
                    file: path, line: nil, path: "device.name",
                    message: "names the profile '\(profile.name)', but the file is \(name).toml")
            }
            return profile
        }
        let known = availableNames()
        throw ConfigError(
            file: name, line: nil, path: "",
            message: "no device profile '\(name)' in \(folders.map { "\($0)/devices" }.joined(separator: ", "))"
                + (known.isEmpty ? "" : "; known: \(known.joined(separator: ", "))"))
    }

    /// The names of every profile found.
    public func availableNames() -> [String] {
        var names = Set<String>()
        for folder in folders {
            guard let directory = opendir(folder + "/devices") else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasSuffix(".toml") { names.insert(String(name.dropLast(5))) }
            }
        }
        return names.sorted()
    }
}

/// The whole text of a file, or nil when it cannot be read.
func readText(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count == 0 { break }
        bytes.append(contentsOf: buffer[..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
