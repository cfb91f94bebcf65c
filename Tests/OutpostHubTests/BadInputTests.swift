// Input the hub must refuse without harm: a damaged store, an oversize frame, times beyond
// what nanoseconds since 1970 can hold.
import OutpostHub
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("A damaged hub store")
struct StoreDamageTests {
    @Test("A hub.db with a damaged page or not a database at all is refused, unchanged, with what to do")
    func damagedStoreIsRefused() async throws {
        let folder = try TemporaryFolder()
        let path = folder.path + "/hub.db"
        do {
            let store = try SQLiteHubStore.openChecked(path: path)
            for index in 0..<200 {
                try await store.enrol(
                    gateway: "gw-\(index)", publicKey: [UInt8](repeating: 4, count: 64), latitude: nil, longitude: nil,
                    at: 1)
            }
        }
        // Reopening a healthy store works.
        _ = try SQLiteHubStore.openChecked(path: path)
        var bytes = readFileBytes(path)
        try #require(bytes.count > 4 * 4096)
        for offset in (2 * 4096)..<(3 * 4096) { bytes[offset] = UInt8(truncatingIfNeeded: offset &* 31) }
        folder.write(bytes, to: "hub.db")
        for suffix in ["-wal", "-shm"] { unlink(path + suffix) }
        do {
            _ = try SQLiteHubStore.openChecked(path: path)
            Issue.record("a damaged store was opened")
        } catch let damage as HubStoreDamage {
            #expect(damage.description.contains("\(path) is damaged and was not changed"), "\(damage)")
            #expect(damage.description.contains("Restore it from a backup"))
            #expect(!damage.problems.isEmpty && damage.problems != ["ok"])
        }
        #expect(readFileBytes(path) == bytes, "the damaged file was not written to")
        folder.write(Array("not a database, a text file put in its place".utf8), to: "hub.db")
        #expect(throws: HubStoreDamage.self) { _ = try SQLiteHubStore.openChecked(path: path) }
    }

    @Test(
        "A table lost under a running hub: the API answers 503 in plain words (the database's own go to the log) and goes on"
    )
    func storeFailureInPlainWords() throws {
        let hub = try HubProcess(brokerPort: nil)
        try hub.start(withBroker: false)
        #expect(try hub.call("GET", "/api/v1/alerts", bearer: hub.token).status == 200)
        let script =
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('ALTER TABLE alerts RENAME TO alerts_gone'); c.commit()"
        let renamed = try ChildProcess.run(Peers.python, ["-c", script, hub.folder.path + "/data/hub.db"])
        try #require(renamed.exitStatus == 0, "\(renamed.stderr)")
        let answer = try hub.call("GET", "/api/v1/alerts", bearer: hub.token)
        #expect(answer.status == 503 && answer.errorCode == "store_unavailable", "\(answer.status) \(answer.body)")
        let message = (answer.json["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("the hub's database could not answer"), "\(message)")
        for word in ["SQLite", "alerts", "SELECT", "hub.db", "Error("] {
            #expect(!message.contains(word), "the message names '\(word)': \(message)")
        }
        #expect(try hub.http("/health").contains("ok"), "the hub goes on")
        #expect(
            try hub.call("GET", "/api/v1/ingest/stats", bearer: hub.token).status == 200, "what is intact still answers"
        )
    }
}

@Suite("Oversize input at the hub")
struct OversizeInputTests {
    @Test("A frame above max_frame_bytes is refused with 413 too_large; the hub goes on")
    func oversizeFrame() throws {
        let hub = try HubProcess(brokerPort: nil, hubKeys: "max_frame_bytes = \"64KiB\"")
        try hub.start(withBroker: false)
        let big = hub.folder.write([UInt8](repeating: 0x4F, count: 200_000), to: "big.frame")
        let answer = try hub.http("/api/v1/ingest", post: big)
        #expect(answer.contains("\"too_large\"") && answer.contains("65536"), "\(answer)")
        #expect(try hub.http("/health").contains("ok"))
    }
}

@Suite("Times from queries and files at the edges of the representable")
struct TimeEdgeTests {
    @Test(
        "A time past 2262, a duration past 285 years or Unix seconds at the edge of Int64 are not times, never a trap")
    func outOfRange() throws {
        let now: Int64 = 1_800_000_000_000_000_000
        #expect(TimeArgument.parse("6755-01-01T00:00:00Z", now: now) == nil, "found by make fuzz (csv)")
        #expect(TimeArgument.parse("2262-04-11T23:47:16Z", now: now) == 9_223_372_036_000_000_000)
        #expect(TimeArgument.parse("2262-04-11T23:47:16.854775808Z", now: now) == nil)
        #expect(TimeArgument.parse("now-9999999999s", now: now) == nil)
        #expect(TimeArgument.parse("now-24h", now: now) == now - 86_400_000_000_000)
        #expect(throws: CSVReadings.ProblemList.self) {
            _ = try CSVReadings.parse(Array("timestamp,value\n9223372036.999999999,1\n".utf8))
        }
        // The last nanosecond Int64 holds reads as a time, and is then refused as one no reading can have.
        #expect(throws: CSVReadings.ProblemList.self) {
            _ = try CSVReadings.parse(Array("timestamp,value\n9223372036.854775807,1\n".utf8))
        }
        #expect(try CSVReadings.parse(Array("7258118400,1\n".utf8)).first?.timestamp == TimeWindow.upperBound)
    }

    @Test("A query for a time past 2262 is answered 400, and the hub goes on")
    func queryOutOfRange() throws {
        let hub = try HubProcess(brokerPort: nil)
        try hub.start(withBroker: false)
        let answer = try hub.call(
            "GET", "/api/v1/series?gateway=gw&series=x&from=6755-01-01T00:00:00Z", bearer: hub.token)
        #expect(answer.status == 400, "\(answer.status) \(answer.body)")
        #expect(try hub.http("/health").contains("ok"))
    }
}
