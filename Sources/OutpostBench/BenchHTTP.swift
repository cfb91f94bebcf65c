import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import OutpostSystem

/// The HTTP the benchmarks speak: requests that must succeed, and timed gets.
struct BenchHTTP: Sendable {
    let client: HTTPClient

    /// Posts `body` to `url`; an answer other than 2xx stops the run with its text.
    @discardableResult
    func post(_ url: String, body: [UInt8], headers: [(String, String)] = []) async throws -> [UInt8] {
        try await send(.POST, url, body: body, headers: headers)
    }

    /// Sends `body` to `url` with `method`; an answer other than 2xx stops the run with its text.
    @discardableResult
    func send(_ method: HTTPMethod, _ url: String, body: [UInt8], headers: [(String, String)] = []) async throws
        -> [UInt8]
    {
        var request = HTTPClientRequest(url: url)
        request.method = method
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
