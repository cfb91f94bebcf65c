#if canImport(Glibc)
    import Glibc
#endif

/// A file system mounted for one test: a small tmpfs (a disk that fills) or a folder bound onto
/// itself read-only (a read-only data folder). Needs root with CAP_SYS_ADMIN, as in CI; tests
/// that use it are enabled only where `Mount.isPermitted`. Unmounted by `unmount()` or when
/// released.
package final class Mount {
    /// Where it is mounted.
    package let path: String
    private var mounted = true

    private init(path: String) {
        self.path = path
    }

    /// Whether this process may mount (tried once, on a tmpfs of its own).
    package static let isPermitted: Bool = {
        guard let folder = try? TemporaryFolder(prefix: "mount-probe"),
            let probe = try? tmpfs(at: folder.path, bytes: 4096)
        else { return false }
        probe.unmount()
        return true
    }()

    /// Mounts a tmpfs of `bytes` on the existing folder `path`.
    package static func tmpfs(at path: String, bytes: Int) throws -> Mount {
        try run(["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", path])
        return Mount(path: path)
    }

    /// Makes the existing folder `path` read-only (a bind mount of itself, remounted read-only).
    package static func readOnly(at path: String) throws -> Mount {
        try run(["--bind", path, path])
        let mount = Mount(path: path)
        try run(["-o", "remount,bind,ro", path])
        return mount
    }

    /// Unmounts (once).
    package func unmount() {
        guard mounted else { return }
        mounted = false
        _ = try? ChildProcess.run("/bin/umount", [path])
    }

    deinit { unmount() }

    private static func run(_ arguments: [String]) throws {
        let outcome = try ChildProcess.run("/bin/mount", arguments)
        guard outcome.exitStatus == 0 else {
            throw ChildProcess.Failure(description: "mount \(arguments.joined(separator: " ")): \(outcome.stderr)")
        }
    }
}
