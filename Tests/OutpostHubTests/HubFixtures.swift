import Logging
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

/// The store backends every store test runs against: SQLite in a temporary folder, and a fresh
/// database on the test process's private PostgreSQL cluster.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A new, empty store.
    func open(in folder: TemporaryFolder, now: Int64 = systemWallClock()) async throws -> any HubStore {
        switch self {
        case .sqlite:
            return try SQLiteHubStore(path: folder.file("hub.db"))
        case .postgres:
            let url = try TestPostgres.newDatabase()
            guard let settings = PostgresSettings(url: url, poolSize: 4) else {
                throw HubTestFailure("bad test database URL \(url)")
            }
            return try await PostgresHubStore.open(settings: settings, logger: Logger(label: "test"), now: now)
        }
    }
}

/// A store in a temporary folder with one enrolled gateway, and frames signed by its key.
struct HubFixture {
    let folder: TemporaryFolder
    let store: any HubStore
    let registry = GatewayRegistry()
    let pipeline: IngestPipeline
    let detection: DetectionEngine?
    let signer: GatewayFrameSigner
    let gateway: String
    let bootID = BootID(bytes: [UInt8](repeating: 7, count: 16)) ?? .zero

    init(
        gateway: String = "gw-a", now: @escaping WallClock = systemWallClock, detection: DetectionConfiguration? = nil,
        backend: StoreBackend = .sqlite
    ) async throws {
        self.gateway = gateway
        folder = try TemporaryFolder()
        store = try await backend.open(in: folder, now: now())
        let identity = try GatewayIdentity.generate(gatewayID: gateway)
        signer = try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM)
        try await store.enrol(
            gateway: gateway, publicKey: try GatewayKeyVerifier.rawPublicKey(pem: identity.publicKeyPEM), latitude: nil,
            longitude: nil, at: now())
        try await registry.reload(from: store)
        var engine: DetectionEngine?
        if let detection {
            engine = try await DetectionEngine(
                configuration: detection, alerts: store, history: store, logger: Logger(label: "test"))
        }
        pipeline = IngestPipeline(
            store: store, verifier: registry, clock: now, logger: Logger(label: "test"), detection: engine)
        self.detection = engine
    }

    /// A signed frame of `sequence` holding `series` → samples, one chunk each.
    func frame(
        _ sequence: UInt64, _ series: [String: [Sample]], clock: ClockState = .synchronised, createdAt: Int64 = 0,
        monotonic: Int64 = 0, firstMonotonic: [String: Int64] = [:]
    ) throws -> [UInt8] {
        let names = series.keys.sorted()
        let descriptors = names.enumerated().map {
            SeriesDescriptor(
                id: UInt32($0.offset), name: $0.element, unit: "°C", resolution: Resolution(parsing: "0.01"))
        }
        let chunks = try names.enumerated().map { index, name in
            FrameChunk(
                seriesID: UInt32(index),
                chunk: try Chunk(
                    encoding: SampleColumns(series[name] ?? []), resolution: Resolution(parsing: "0.01"),
                    clockSynchronised: clock == .synchronised, firstMonotonic: firstMonotonic[name] ?? 0))
        }
        let frame = BatchFrame(
            gatewayID: gateway, sequence: sequence, bootID: bootID, clockState: clock, createdAt: createdAt,
            createdMonotonic: monotonic, series: descriptors, chunks: chunks)
        return try frame.encoded(signer: signer)
    }
}

/// `count` samples every `step` ns from `start`, values from `value(index)`.
func samples(from start: Int64, every step: Int64, count: Int, value: (Int) -> Double) -> [Sample] {
    (0..<count).map { Sample(timestamp: start + Int64($0) * step, value: value($0)) }
}

/// Nanoseconds in the units tests think in.
enum NS {
    static let second: Int64 = 1_000_000_000
    static let minute: Int64 = 60 * second
    static let hour: Int64 = 60 * minute
    static let day: Int64 = 24 * hour
}
