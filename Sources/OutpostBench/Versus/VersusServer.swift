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
    static func victoriaMetrics(folder: String, http: VersusHTTP) async throws -> VersusServer {
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
    static func influxDB(folder: String, http: VersusHTTP) async throws -> VersusServer {
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

/// The HTTP the comparison speaks: posts that must succeed, and timed gets.
struct VersusHTTP: Sendable {
    let client: HTTPClient

    /// Posts `body` to `url`; an answer other than 2xx stops the run with its text.
    @discardableResult
    func post(_ url: String, body: [UInt8], headers: [(String, String)] = []) async throws -> [UInt8] {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(300))
        let answer = Array(buffer: try await response.body.collect(upTo: 16 << 20))
        guard (200..<300).contains(response.status.code) else {
            throw BenchFailure(
                "\(url) answered \(response.status): \(String(decoding: answer.prefix(300), as: UTF8.self))")
        }
        return answer
    }

    /// Gets `url`: the answer and the milliseconds from sending to its last byte.
    func get(_ url: String, token: String? = nil) async throws -> (milliseconds: Double, body: [UInt8]) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let start = ContinuousClock.now
        let response = try await client.execute(request, timeout: .seconds(300))
        let body = Array(buffer: try await response.body.collect(upTo: 256 << 20))
        let elapsed = Timings.milliseconds(ContinuousClock.now - start)
        guard response.status == .ok else {
            throw BenchFailure(
                "\(url) answered \(response.status): \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        return (elapsed, body)
    }

    /// Posts `bodies` to `url` from four connections at once, as a fleet's writers would.
    func postAll(_ bodies: [[UInt8]], to url: String, headers: [(String, String)] = []) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: bodies.count, by: 4) {
                        try await post(url, body: bodies[index], headers: headers)
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Waits until `url` answers 2xx, for at most a minute, while `process` runs.
    func waitUntilAnswering(_ url: String, process: SpawnedProcess) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw BenchFailure("\(url): the server ended at start") }
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            if let response = try? await client.execute(request, timeout: .seconds(2)),
                (200..<300).contains(response.status.code)
            {
                _ = try? await response.body.collect(upTo: 1 << 20)
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure("\(url) did not answer within a minute")
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
