#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder under `/tmp` for one test; removed with its content when released.
package final class TemporaryFolder {
    /// The folder's absolute path.
    package let path: String
    /// Whether the folder stays when released (a failed test keeps its logs to be read).
    package var keep = false

    /// Creates the folder.
    package init(prefix: String = "outpost-test") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }
        guard let created = made else {
            throw ChildProcess.Failure(description: "mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        path = String(cString: created)
    }

    deinit {
        if !keep { removeTree(path) }
    }

    /// The path of `name` inside the folder.
    package func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` inside the folder and returns its path.
    @discardableResult
    package func write(_ bytes: [UInt8], to name: String) -> String {
        let target = file(name)
        if let handle = fopen(target, "w") {
            _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, handle) }
            fclose(handle)
        }
        return target
    }
}

/// The names in a folder, without `.` and `..`; empty when it cannot be read.
package func directoryEntries(_ path: String) -> [(name: String, isFolder: Bool)] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var entries: [(name: String, isFolder: Bool)] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name == "." || name == ".." { continue }
        entries.append((name, entry.pointee.d_type == UInt8(DT_DIR)))
    }
    return entries
}

private func removeTree(_ path: String) {
    for entry in directoryEntries(path) {
        let child = path + "/" + entry.name
        if entry.isFolder {
            removeTree(child)
        } else {
            unlink(child)
        }
    }
    if rmdir(path) != 0 { unlink(path) }
}
