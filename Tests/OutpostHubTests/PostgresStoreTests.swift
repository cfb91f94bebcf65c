import Logging
import OutpostBench
import OutpostHub
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

/// What only the PostgreSQL store has: time partitions, and several hub replicas on one database.
@Suite("The PostgreSQL store: partitions and replicas sharing one database")
struct PostgresStoreTests {
    @Test("Retention drops whole day partitions of chunks and answers as the row-by-row rule would")
    func partitionsDropped() async throws {
        let start: Int64 = 1_800_000_000 * NS.second / NS.day * NS.day
        let now = start + 5 * NS.day
        let hub = try await HubFixture(now: { now }, backend: .postgres)
        let store = try #require(hub.store as? PostgresHubStore)
        var all: [Sample] = []
        for hour in 0..<(5 * 24) {
            let readings = samples(from: start + Int64(hour) * NS.hour, every: NS.minute, count: 60) {
                Double(hour) + Double($0) / 100
            }
            all += readings
            _ = await hub.pipeline.ingest(try hub.frame(UInt64(hour + 1), ["v": readings]))
        }
        let database = store.settings.database
        let server = try TestPostgres.shared()
        let partitions = {
            Set(
                try server.sql(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'chunks'",
                    database: database
                ).split(separator: "\n").map(String.init))
        }
        let inDefault = try server.sql("SELECT count(*) FROM chunks_outside", database: database)
        #expect(inDefault.hasPrefix("0"), "every chunk of the last two weeks has its day partition")
        let days = (Int64(0)..<5).map { "chunks_p\(start / NS.day + $0)" }
        #expect(try partitions().isSuperset(of: days))
        let report = try await store.expire(
            policy: RetentionPolicy(raw: .seconds(2 * 86_400), minute: nil, hour: nil), now: now)
        #expect(report.chunksExpired == 3 * 24)
        let left = try partitions()
        #expect(left.isDisjoint(with: days[0..<3]) && left.isSuperset(of: days[3...]), "\(left.sorted())")
        let key = SeriesKey(gateway: "gw-a", name: "v")
        let kept = try await QueryEngine(store: store).range(key, start...now)
        #expect(kept == all.filter { $0.timestamp >= start + 3 * NS.day })
    }

    @Test(
        "sslmode=verify-full encrypts against the server's CA; another CA is refused with the reason; plain TCP by default"
    )
    func tls() async throws {
        let url = try TestPostgres.newDatabase()
        let database = try #require(PostgresSettings(url: url)).database
        let server = try TestPostgres.shared()
        let encrypted = try #require(
            PostgresSettings(url: url + "?sslmode=verify-full&sslrootcert=\(TestPostgres.caFile)"))
        let store = try await PostgresHubStore.open(settings: encrypted, logger: Logger(label: "tls"))
        try await store.enrol(gateway: "gw-tls", publicKey: [1, 2], latitude: nil, longitude: nil, at: 1)
        let sessions = try server.sql(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = '\(database)'",
            database: "postgres")
        #expect(sessions.hasPrefix("1|0"), "encrypted|plain sessions: \(sessions)")
        let strangers = try TestCertificates(in: try TemporaryFolder(prefix: "other-ca"), clients: [])
        let wrongCA = try #require(PostgresSettings(url: url + "?sslmode=verify-full&sslrootcert=\(strangers.caFile)"))
        await #expect {
            _ = try await PostgresHubStore.open(settings: wrongCA, logger: Logger(label: "tls"))
        } throws: { error in
            "\(error)".contains("cannot connect to outpost@127.0.0.1")
                && "\(error)".lowercased().contains("certificate")
        }
        #expect(try #require(PostgresSettings(url: url)).tls == .disable)
        #expect(PostgresSettings(url: url + "?sslmode=sometimes") == nil)
        #expect(PostgresSettings(url: "postgres://o%40x:p%3Aw@h/d%2D1")?.user == "o@x")
        #expect(PostgresSettings(url: "postgres://o%40x:p%3Aw@h/d%2D1")?.password == "p:w")
    }

    @Test(
        "The database restarted under a running store: what fails says so and changes nothing; the store reconnects and goes on"
    )
    func databaseRestarted() async throws {
        let folder = try TemporaryFolder(prefix: "postgres-restart")
        let cluster = try PrivatePostgres(folder: folder.path, port: try Broker.freePort(), fsync: false)
        defer { cluster.stop() }
        let url = try cluster.createDatabase("outpost")
        let store = try await PostgresHubStore.open(
            settings: try #require(PostgresSettings(url: url)), logger: Logger(label: "restart"))
        let key = SeriesKey(gateway: "gw-r", name: "v")
        let base: Int64 = 1_800_000_000 * NS.second
        func readings(_ hour: Int64) throws -> IngestPlan {
            let columns = SampleColumns(
                samples(from: base + hour * NS.hour, every: NS.minute, count: 60) { Double($0) })
            // Plans as the CSV import makes them: no frame, same tables.
            return try IngestPlan(
                series: [SeriesDescriptor(id: 0, name: "v")],
                chunks: [
                    FrameChunk(
                        seriesID: 0, chunk: try Chunk(encoding: columns, resolution: nil, clockSynchronised: true))
                ],
                clock: nil)
        }
        try await store.importReadings(gateway: "gw-r", plan: try readings(0))
        cluster.stop()
        await #expect {
            try await store.importReadings(gateway: "gw-r", plan: try readings(1))
        } throws: { error in
            "\(error)".contains("PostgreSQL")
        }
        try cluster.start()
        // The pool's old connections are gone; the next use opens new ones.
        let resumed = await eventually(timeout: .seconds(20)) {
            await (try? store.importReadings(gateway: "gw-r", plan: try readings(2))) != nil
        }
        #expect(resumed)
        let stored = try await QueryEngine(store: store).range(key, base...(base + 3 * NS.hour))
        #expect(stored.count == 120, "hours 0 and 2 stored, hour 1 refused whole: \(stored.count)")
    }

    @Test("Two replicas handed every batch at once: each applied exactly once, the other copy found applied")
    func replicasApplyOnce() async throws {
        let hub = try await HubFixture(backend: .postgres)
        let first = try #require(hub.store as? PostgresHubStore)
        let second = try await PostgresHubStore.open(settings: first.settings, logger: Logger(label: "replica-2"))
        let registry = GatewayRegistry()
        try await registry.reload(from: second)
        let other = IngestPipeline(store: second, verifier: registry, logger: Logger(label: "replica-2"))
        let base: Int64 = 1_800_000_000 * NS.second
        let frames = try (1...120).map { sequence in
            try hub.frame(
                UInt64(sequence),
                [
                    "a": samples(from: base + Int64(sequence) * NS.minute, every: NS.second, count: 20) { Double($0) },
                    "b": samples(from: base + Int64(sequence) * NS.minute, every: NS.second, count: 20) { -Double($0) },
                ])
        }
        let pipelines = [hub.pipeline, other]
        let applied = await withTaskGroup(of: Int.self) { group in
            for frame in frames {
                for pipeline in pipelines {
                    group.addTask {
                        guard case .acknowledged(_, _, let duplicate) = await pipeline.ingest(frame) else { return 100 }
                        return duplicate ? 0 : 1
                    }
                }
            }
            return await group.reduce(0, +)
        }
        #expect(applied == 120, "every batch applied once and acknowledged by both")
        let engine = QueryEngine(store: second)
        for name in ["a", "b"] {
            let stored = try await engine.range(SeriesKey(gateway: "gw-a", name: name), base...(base + 3 * NS.hour))
            #expect(stored.count == 120 * 20)
        }
        let minute = try await second.rollups(
            of: SeriesKey(gateway: "gw-a", name: "a"), level: .minute, in: base...(base + 3 * NS.hour))
        #expect(minute.count == 120 && minute.allSatisfy { $0.aggregate.count == 20 })
        // Both replicas met the two new series at once: each counted once.
        #expect(try await second.gateways().first { $0.id == "gw-a" }?.seriesCount == 2)
    }

    @Test("Two replicas' detectors seeing one growing backlog: one alert, one webhook event, one resolution")
    func alertClaimedOnce() async throws {
        let hub = try await HubFixture(backend: .postgres)
        let first = try #require(hub.store as? PostgresHubStore)
        let second = try await PostgresHubStore.open(settings: first.settings, logger: Logger(label: "replica-2"))
        let events = EventLog()
        var engines: [DetectionEngine] = []
        for store in [first, second] {
            engines.append(
                try await DetectionEngine(
                    configuration: DetectionConfiguration(), alerts: store, logger: Logger(label: "detect"),
                    notifier: events))
        }
        // Both see the backlog grow before either sees it drain, as replicas sharing the status topic do.
        for minute in 0...40 {
            for engine in engines {
                engine.observeBacklog(of: "gw-a", Int64(1000 * (minute + 1)), at: Int64(minute) * NS.minute)
            }
        }
        for engine in engines { await engine.settle() }
        for engine in engines { engine.observeBacklog(of: "gw-a", 10_000, at: 45 * NS.minute) }
        for engine in engines { await engine.settle() }
        #expect(events.names == ["alert.opened", "alert.resolved"])
        let alerts = try await first.alerts(in: Set(Alert.State.allCases), limit: 10)
        #expect(alerts.count == 1 && alerts.first?.kind == .backlog && alerts.first?.state == .resolved)
    }
}

/// Alert events as a webhook would get them.
final class EventLog: AlertListener {
    private let events = Mutex<[String]>([])
    var names: [String] { events.withLock { $0 } }
    func alertEvent(_ event: String, _ alert: Alert) { events.withLock { $0.append(event) } }
}
