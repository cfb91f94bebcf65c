import OutpostHub
import OutpostMQTT
import OutpostSystem

/// The hub's part of `outpost-bench versus`: `outpost-hub serve` on `store` with its own
/// Mosquitto, every gateway enrolled with its own key, fed the fleet's signed frames by four
/// MQTT clients (QoS 1) and timed until the last acknowledgement, which the hub sends once the
/// frame is on disk. Then compacted the way `[maintenance]` does, and asked the questions
/// through its JSON API and its Prometheus API.
struct VersusHub {
    let folder: String
    let fleet: VersusFleet
    let store: BenchStore.Kind

    func run(_ http: BenchHTTP, repetitions: Int) async throws
        -> [(String, VersusBenchmark.Feed, [VersusBenchmark.Query], [String: [Double]])]
    {
        try FileIO.makeDirectory(folder)
        let backing = try BenchStore(store, folder: folder)
        let (broker, brokerPort) = try BenchBroker.start(in: folder)
        defer { broker.stop() }
        let (frames, identities) = try VersusFeeds.frames(fleet)
        let data = folder + "/hub"
        let opened = try await backing.open(dataDirectory: data)
        for identity in identities { try await BenchHub.enrol(identity, in: opened) }
        let token = try await Accounts(store: opened).addToken(
            name: "bench", role: .viewer, createdBy: Accounts.localCreator
        ).secret
        await opened.close()
        let config = folder + "/hub.toml"
        let port = try BenchHub.writeConfiguration(
            to: config, dataDirectory: data, brokerPort: brokerPort, clientID: "bench-hub",
            extra: "[maintenance]\ninterval = \"1d\"", store: backing)
        var hub = try BenchHub.start(
            configuration: config, ready: "subscribed to gateway topics", log: folder + "/hub.log")
        defer { hub.stop() }

        let watcher = try AcknowledgementWatcher(port: brokerPort, clientID: "bench-acks")
        defer { watcher.stop() }
        let senders = try (0..<4).map { index in
            try MQTTClient(
                .init(
                    host: "127.0.0.1", port: brokerPort, clientID: "bench-gw-\(index)", cleanSession: true,
                    maxInflight: 1000))
        }
        defer { senders.forEach { $0.shutdown() } }
        for sender in senders { try sender.connect(host: "127.0.0.1", port: brokerPort, keepalive: 30) }
        try await waitForSubscription(watcher, senders[0], frames[0], hub)
        let serverPIDs = [hub.pid, broker.pid]
        var feed = try await VersusFeeding.timed(serverPIDs, extraCPU: backing.serverCPUSeconds) {
            for (index, frame) in frames.enumerated().dropFirst() {
                try senders[index % senders.count].publish(.init(topic: frame.topic, payload: frame.bytes, qos: 1))
            }
            let deadline = ContinuousClock.now + .seconds(1800)
            while watcher.count < frames.count {
                guard hub.isRunning else {
                    throw BenchFailure("the hub ended during the feed; its log: \(folder)/hub.log")
                }
                guard ContinuousClock.now < deadline else {
                    throw BenchFailure("frames unacknowledged after 30 minutes")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        hub.stop()
        let stored = try await backing.open(dataDirectory: data)
        _ = try await stored.compact(settledBefore: .max, targetCount: 4096)
        feed.bytesOnDisk = try await stored.diskBytes()
        await stored.close()
        hub = try BenchHub.start(configuration: config, ready: "subscribed to gateway topics", log: folder + "/hub.log")
        let base = "http://127.0.0.1:\(port)"
        try await http.waitUntilAnswering(base + "/health", process: hub)
        let (json, jsonNumbers) = try await VersusFeeding.ask(
            VersusQuery.hubJSON(base, fleet), http, repetitions, token: token)
        let (promQL, promNumbers) = try await VersusFeeding.ask(
            VersusQuery.promQL(base + "/prometheus", fleet), http, repetitions, token: token)
        feed.peakKilobytes = max(feed.peakKilobytes, ProcessProbe.residentKilobytes(hub.pid))
        return [("json", feed, json, jsonNumbers), ("promql", feed, promQL, promNumbers)]
    }

    /// Publishes `first` until the hub acknowledges it: its subscription is then live.
    private func waitForSubscription(
        _ watcher: AcknowledgementWatcher, _ sender: MQTTClient, _ first: (topic: String, bytes: [UInt8]),
        _ hub: SpawnedProcess
    ) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while watcher.count == 0 {
            guard hub.isRunning, ContinuousClock.now < deadline else {
                throw BenchFailure("no acknowledgement within 60 s; the hub's log: \(folder)/hub.log")
            }
            try sender.publish(.init(topic: first.topic, payload: first.bytes, qos: 1))
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
