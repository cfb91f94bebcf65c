#if canImport(Glibc)
    import Glibc
#endif

/// Finds the folders Outpost's programs read beside their code (`web/`, `provisioning/`,
/// `hardware/`): the installed copy under `/usr/share/outpost`, `<prefix>/share/outpost` beside
/// the executable, or the source tree a build under `.build/<triple>/<mode>/` came from.
package enum SharedFiles {
    /// The first folder named `name` that holds `marker`; the installed path when none does.
    package static func locate(_ name: String, containing marker: String) -> String {
        let all = candidates(name)
        return all.first { access($0 + "/" + marker, R_OK) == 0 } ?? all[0]
    }

    /// Every place a folder named `name` may be, in the order they are tried: installed, beside
    /// the executable, the source tree it was built from.
    package static func candidates(_ name: String) -> [String] {
        var candidates = ["/usr/share/outpost/\(name)"]
        if let executable = executablePath() {
            let folder = String(executable[..<(executable.lastIndex(of: "/") ?? executable.startIndex)])
            for relative in ["/../share/outpost/\(name)", "/../../../\(name)", "/../../\(name)"] {
                candidates.append(normalized(folder + relative))
            }
        }
        return candidates
    }

    /// An absolute path with its `..` and `.` parts resolved as text (messages list it to people).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    private static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
