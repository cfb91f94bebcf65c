import Logging
import OutpostHub
import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The store a benchmark measures: SQLite in its folder, or PostgreSQL in a private cluster
/// started in its folder with the server's default settings (fsync on, synchronous commit).
package final class BenchStore {
    /// The backends.
    package enum Kind: String, CaseIterable, Codable, Sendable {
        case sqlite, postgres
    }

    /// Which one.
    package let kind: Kind
    let folder: String
    /// The PostgreSQL cluster, for `postgres`.
    package let cluster: PrivatePostgres?
    private let url: String?

    /// Prepares the store in `folder` (for PostgreSQL: a new cluster and an `outpost` database).
    package init(_ kind: Kind, folder: String) throws {
        self.kind = kind
        self.folder = folder
        switch kind {
        case .sqlite:
            cluster = nil
            url = nil
        case .postgres:
            let cluster = try PrivatePostgres(
                folder: folder + "/postgres", port: try LoopbackPort.free(in: .benchmarks))
            self.cluster = cluster
            url = try cluster.createDatabase("outpost")
        }
    }

    deinit { cluster?.stop() }

    /// The hub's `[hub]` keys and extra tables that select this store.
    package var hubKeys: String { url == nil ? "" : "store = \"postgres\"" }
    /// The `[postgres]` table, when there is one.
    package var postgresSection: String { url.map { "[postgres]\nurl = \"\($0)\"\npool_size = 8\n" } ?? "" }

    /// Opens the store, as a hub whose data directory is `dataDirectory` would.
    package func open(dataDirectory: String) async throws -> any HubStore {
        if let url, let settings = PostgresSettings(url: url) {
            return try await PostgresHubStore.open(settings: settings, logger: Logger(label: "bench"))
        }
        try FileIO.makeDirectory(dataDirectory)
        return try SQLiteHubStore(path: dataDirectory + "/hub.db")
    }

    /// CPU seconds the database server's processes used so far (0 for SQLite, which runs in the hub).
    package func serverCPUSeconds() -> Double {
        guard let cluster else { return 0 }
        let first = ProcessProbe.readText(cluster.folder + "/data/postmaster.pid").split(separator: "\n").first
        guard let postmaster = first.flatMap({ pid_t($0) }) else { return 0 }
        var total = ProcessProbe.cpuSeconds(postmaster)
        guard let proc = opendir("/proc") else { return total }
        defer { closedir(proc) }
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), pid != postmaster else { continue }
            let stat = ProcessProbe.readText("/proc/\(pid)/stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, pid_t(fields[1]) == postmaster { total += ProcessProbe.cpuSeconds(pid) }
        }
        return total
    }
}
