import OutpostConfig

#if canImport(Glibc)
    import Glibc
#endif

/// Finds device profiles by name in the `hardware/devices` folders of an installation.
///
/// Searched in order: a folder given on the command line (`--hardware-dir`), then
/// `OUTPOST_HARDWARE_DIR`, then `hardware/` in the working directory, then the installed copy
/// (`/usr/share/outpost/hardware`), `share/outpost/hardware` beside the executable, and the source
/// tree the executable was built in: a probe works from any folder.
package struct ProfileLibrary: Sendable {
    /// The hardware folders searched, in order.
    package let folders: [String]

    /// Creates a library over `folders`, or the default search path (with `first` ahead of it).
    package init(folders: [String]? = nil, first: String? = nil) {
        if let folders {
            self.folders = folders
            return
        }
        var defaults: [String] = first.map { [$0] } ?? []
        if let configured = getenv("OUTPOST_HARDWARE_DIR") { defaults.append(String(cString: configured)) }
        defaults += ["hardware"] + SharedFiles.candidates("hardware")
        // One entry per folder, as the error lists them.
        var seen = Set<String>()
        self.folders = defaults.filter { seen.insert($0).inserted }
    }

    /// Loads the profile called `name` (or the profile file at a path containing `/`).
    package func profile(named name: String) throws(ConfigError) -> DeviceProfile {
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
            message: "no device profile '\(name)'; looked in \(folders.map { "\($0)/devices" }.joined(separator: ", "))"
                + (known.isEmpty
                    ? " (none of them holds a profile: give --hardware-dir or set OUTPOST_HARDWARE_DIR to the hardware/ folder)"
                    : "; known: \(known.joined(separator: ", "))"))
    }

    /// The names of every profile found.
    package func availableNames() -> [String] {
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
