import AsyncHTTPClient
import NIOCore
import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// A store `outpost-bench versus` starts from its Debian package on loopback, in a folder of its
/// own: VictoriaMetrics (`victoria-metrics`) or InfluxDB 1.6 (`influxd`).
final class VersusServer {
    let process: SpawnedProcess
    /// `http://127.0.0.1:PORT`.
    let base: String
    /// Where it keeps its data.
    let dataFolder: String

    private init(process: SpawnedProcess, base: String, dataFolder: String) {
        (self.process, self.base, self.dataFolder) = (process, base, dataFolder)
    }

    deinit { process.stop() }

    /// VictoriaMetrics with its defaults, except: retention long enough for the history, no
    /// latency offset (the live minutes end a minute ago), and no result cache, so a repeated
    /// query is measured doing its work, as the hub's are.
    static func victoriaMetrics(folder: String, http: BenchHTTP) async throws -> VersusServer {
        let port = try LoopbackPort.free(in: .benchmarks)
        let data = folder + "/victoria-metrics"
        let process = try SpawnedProcess(
            executable: "/usr/bin/victoria-metrics",
            arguments: [
                "-storageDataPath=\(data)", "-httpListenAddr=127.0.0.1:\(port)", "-retentionPeriod=100y",
                "-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR",
            ], ready: "", log: folder + "/victoria-metrics.log")
        let server = VersusServer(process: process, base: "http://127.0.0.1:\(port)", dataFolder: data)
        try await http.waitUntilAnswering(server.base + "/health", process: process)
        return server
    }

    /// InfluxDB 1.6 with its defaults, except: loopback ports, no self-monitoring, and the cache
    /// snapshotted and shards fully compacted after seconds instead of 10 minutes and 4 hours
    /// of quiet, so its bytes on disk can be read after its own compaction within the run.
    static func influxDB(folder: String, http: BenchHTTP) async throws -> VersusServer {
        let port = try LoopbackPort.free(in: .benchmarks)
        let data = folder + "/influxdb"
        let config = folder + "/influxdb.conf"
        let text = """
            reporting-disabled = true
            bind-address = "127.0.0.1:\(try LoopbackPort.free(in: .benchmarks))"
            [meta]
              dir = "\(data)/meta"
            [data]
              dir = "\(data)/data"
              wal-dir = "\(data)/wal"
              query-log-enabled = false
              cache-snapshot-write-cold-duration = "2s"
              compact-full-write-cold-duration = "5s"
            [monitor]
              store-enabled = false
            [http]
              bind-address = "127.0.0.1:\(port)"
              log-enabled = false
            [ifql]
              enabled = false
            [logging]
              level = "error"

            """
        try FileIO.write(Array(text.utf8), to: config)
        let process = try SpawnedProcess(
            executable: "/usr/bin/influxd", arguments: ["run", "-config", config], ready: "",
            log: folder + "/influxdb.log")
        let server = VersusServer(process: process, base: "http://127.0.0.1:\(port)", dataFolder: data)
        try await http.waitUntilAnswering(server.base + "/ping", process: process)
        _ = try await http.post(server.base + "/query?q=CREATE%20DATABASE%20outpost", body: [])
        return server
    }
}

/// Bytes the regular files under a folder take on disk, as `du` counts them: a file allocated
/// ahead (InfluxDB's series segments) counts what it holds, not its length.
enum DirectorySize {
    static func bytes(_ path: String) -> Int64 {
        guard let folder = opendir(path) else { return 0 }
        defer { closedir(folder) }
        var total: Int64 = 0
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            var info = stat()
            let full = path + "/" + name
            guard lstat(full, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                total += bytes(full)
            } else if (info.st_mode & S_IFMT) == S_IFREG {
                total += Int64(info.st_blocks) * 512
            }
        }
        return total
    }
}
