import Dispatch
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import OutpostHub
import OutpostWire

/// A viewer's query parameters, through the hub's real router (authentication, routes, query
/// engine, store) as the HTTP server hands them over: the first byte picks a route, the rest is
/// its query string. Any 5xx is a broken promise; a trap is a crash. The hub behind it holds a
/// day of readings and readings at both edges of `TimeWindow`.
package enum QueryFuzz {
    /// The routes driven, each with the query parameters of its own.
    static let routes = [
        "/api/v1/series", "/api/v1/series/scores", "/api/v1/alerts", "/api/v1/gateways/gw/health", "/api/v1/refusals",
        "/api/v1/gateways", "/api/v1/gateways/gw/series",
    ]

    /// The hub every input goes to, made once.
    final class Hub: Sendable {
        let responder: RouterResponder<HubRequestContext>
        let token: String
        let logger = Logger(label: "fuzz")

        init() async throws {
            let folder = NSTemporaryDirectory() + "/outpost-fuzz-query-\(getpid())"
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let store = try SQLiteHubStore(path: folder + "/hub.db")
            let start: Int64 = 1_767_225_600_000_000_000  // 2026-01-01
            let day = (0..<1_440).map {
                Sample(timestamp: start + Int64($0) * 60_000_000_000, value: sin(Double($0) / 60))
            }
            try await ReadingsImport.run(
                day, gateway: "gw",
                series: SeriesDescriptor(id: 0, name: "t", resolution: Resolution(parsing: "0.001")),
                into: store)
            let edges = [TimeWindow.lowerBound, 1, TimeWindow.upperBound - 1, TimeWindow.upperBound].map {
                Sample(timestamp: $0, value: Double($0 % 1000))
            }
            try await ReadingsImport.run(
                edges, gateway: "gw", series: SeriesDescriptor(id: 1, name: "edge"), into: store)
            let accounts = Accounts(store: store, bcryptCost: 4)
            token = try await accounts.addToken(name: "fuzz", role: .viewer, createdBy: Accounts.localCreator).secret
            let pipeline = IngestPipeline(store: store, verifier: GatewayRegistry(), logger: logger)
            let services = HubServices(pipeline: pipeline, store: pipeline.store, accounts: accounts, feed: LiveFeed())
            responder = HubServer.router(services).0.buildResponder()
        }
    }

    /// Made by the first input that needs it; the inputs after it wait for the same one.
    static let hub = Task<Hub, any Error> { try await Hub() }

    /// The request `bytes` stand for: a route and a query string (bytes outside a URI's
    /// characters percent-encoded, `%` passed as it is so bad escapes reach the parser).
    static func target(_ bytes: [UInt8]) -> String {
        let route = routes[Int(bytes.first ?? 0) % routes.count]
        var query = ""
        for byte in bytes.dropFirst() {
            let scalar = Unicode.Scalar(byte)
            if scalar.properties.isASCIIHexDigit || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "-._~=&%:+".unicodeScalars.contains(scalar)
            {
                query.unicodeScalars.append(scalar)
            } else {
                query += String(format: "%%%02X", byte)
            }
        }
        return query.isEmpty ? route : route + "?" + query
    }

    /// Sends one input through the router.
    package static func run(_ bytes: [UInt8]) async -> FuzzOutcome {
        let hub: Hub
        switch await Self.hub.result {
        case .success(let made): hub = made
        case .failure(let error): return .violated("the query fuzz hub could not be made: \(error)")
        }
        let path = target(bytes)
        let head = HTTPRequest(
            method: .get, scheme: "http", authority: "hub", path: path,
            headerFields: [.authorization: "Bearer \(hub.token)"])
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer()))
        let context = HubRequestContext(
            source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: hub.logger))
        do {
            let response = try await hub.responder.respond(to: request, context: context)
            let status = response.status.code
            if status >= 500 { return .violated("\(path.prefix(300)) answered \(status)") }
            return status < 300 ? .accepted : .refused("\(status)")
        } catch let error as HTTPError where error.status.code < 500 {
            return .refused("\(error.status.code)")
        } catch {
            return .violated("\(path.prefix(300)) threw \(error)")
        }
    }

    /// `run` for a caller that is not async (libFuzzer's callback, the replay command): waits on
    /// its own thread, never on the cooperative pool's.
    static func blocking(_ bytes: [UInt8]) -> FuzzOutcome {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox()
        Task {
            outcome.value = await run(bytes)
            done.signal()
        }
        done.wait()
        return outcome.value
    }

    /// The outcome handed from the task to the waiting thread; the semaphore orders the write
    /// before the read, so no lock is needed.
    private final class OutcomeBox: @unchecked Sendable {
        var value: FuzzOutcome = .accepted
    }
}
