import OutpostAgent
import OutpostMQTT
import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

/// Gateways as the hub sees them in fleet management, without their devices: each takes its
/// signed configuration document, checks the signature and the overlay with the agent's own
/// code (`DocumentVerifier`, `RemoteOverlay`), and reports the version applied in its retained
/// status, as an agent does once a configuration is confirmed. Offered a release, each checks
/// the offer and its manifest as the agent does, fetches it a window at a time as the agent
/// does (1 MiB), hashes what arrives, and reports the release running once it is whole and
/// matches. Several share one MQTT connection when asked (`outpost-bench fleet --per-connection`).
final class SimulatedGateways: Sendable {
    let client: MQTTClient
    let gateways: [String]
    let verifier: DocumentVerifier
    let releases: ReleaseVerifier
    /// What they run and refused.
    final class State: Sendable {
        /// The version each gateway runs.
        let applied = Mutex<[String: Int64]>([:])
        /// The release each gateway runs, once it has one.
        let running = Mutex<[String: String]>([:])
        /// Releases being fetched, by gateway.
        let downloads = Mutex<[String: Download]>([:])
        /// Documents refused (a bad signature, another gateway's, an overlay that does not read,
        /// a release whose bytes do not match).
        let refused = Atomic<Int>(0)
    }

    /// A release being fetched.
    struct Download {
        var manifest: ReleaseManifest
        var digest = ReleaseDigest()
        var asked: Int64 = 0
    }
    let state = State()
    private let task: Task<Void, Never>

    /// Connects `gateways` to the broker on `port` over one connection, checking documents with
    /// the fleet's public key `fleetKeyPEM`.
    init(port: Int, gateways: [String], fleetKeyPEM: String, releaseKeyPEM: String, name: String) throws {
        let client = try MQTTClient(.init(host: "127.0.0.1", port: port, clientID: name, keepalive: 60))
        self.client = client
        self.gateways = gateways
        let verifier = try DocumentVerifier(publicKeyPEM: fleetKeyPEM)
        self.verifier = verifier
        let releases = try ReleaseVerifier(publicKeyPEM: releaseKeyPEM)
        self.releases = releases
        let state = state
        task = Task {
            for await event in client.events {
                switch event {
                case .connected:
                    for gateway in gateways {
                        let topics = GatewayTopics(gateway: gateway)
                        for topic in [topics.config, topics.release, topics.releaseChunk] {
                            try? client.subscribe(topic, qos: 1)
                        }
                        Self.report(gateway, state: state, on: client)
                    }
                case .message(let topic, let payload):
                    guard let (gateway, kind) = GatewayTopics.parse(topic), !payload.isEmpty else { continue }
                    if kind == .release {
                        Self.offered(
                            gateway, payload, topic: topic, verifier: verifier, releases: releases, state: state,
                            on: client)
                        continue
                    }
                    if kind == .releaseChunk {
                        Self.received(gateway, payload, state: state, on: client)
                        continue
                    }
                    guard kind == .config else { continue }
                    do {
                        let document = try verifier.open(payload, topic: topic, as: ConfigurationDocument.self)
                        guard document.gateway == gateway else { throw DocumentError("another gateway's") }
                        guard document.version > (state.applied.withLock { $0[gateway] } ?? 0) else { continue }
                        _ = try RemoteOverlay(toml: document.toml, file: "v\(document.version)")
                        state.applied.withLock { $0[gateway] = document.version }
                        Self.report(gateway, state: state, on: client)
                    } catch {
                        state.refused.add(1, ordering: .relaxed)
                    }
                default:
                    continue
                }
            }
        }
        try client.connect(host: "127.0.0.1", port: port, keepalive: 60)
    }

    /// Takes a release offer: checked with the fleet key and the release key, then the first
    /// window asked for.
    static func offered(
        _ gateway: String, _ payload: [UInt8], topic: String, verifier: DocumentVerifier, releases: ReleaseVerifier,
        state: State, on client: MQTTClient
    ) {
        guard let offer = try? verifier.open(payload, topic: topic, as: ReleaseOffer.self), offer.gateway == gateway,
            state.running.withLock({ $0[gateway] }) != offer.version,
            let manifest = offer.manifests.lazy.compactMap({ try? releases.open(Array($0.utf8)) }).first
        else {
            state.refused.add(1, ordering: .relaxed)
            return
        }
        state.downloads.withLock { $0[gateway] = Download(manifest: manifest) }
        ask(gateway, state: state, on: client)
    }

    /// Asks for the next window of `gateway`'s download.
    static func ask(_ gateway: String, state: State, on client: MQTTClient) {
        let request: ReleaseRequest? = state.downloads.withLock { downloads in
            guard var download = downloads[gateway], download.digest.size == download.asked,
                download.asked < download.manifest.size
            else { return nil }
            let length = min(ReleaseRequest.maxLength, download.manifest.size - download.asked)
            defer {
                download.asked += length
                downloads[gateway] = download
            }
            return ReleaseRequest(
                version: download.manifest.version.description, architecture: download.manifest.architecture,
                offset: download.asked, length: length)
        }
        guard let request else { return }
        _ = try? client.publish(.init(topic: GatewayTopics(gateway: gateway).releaseGet, payload: request.encoded()))
    }

    /// Takes a chunk: hashed when it is the next one; at the end of a window the next is asked
    /// for, and at the end of the release it runs if it matches.
    static func received(_ gateway: String, _ payload: [UInt8], state: State, on client: MQTTClient) {
        guard let chunk = ReleaseChunk(encoded: payload) else { return }
        let finished: (version: String, matches: Bool)? = state.downloads.withLock { downloads in
            guard var download = downloads[gateway], chunk.offset == download.digest.size else { return nil }
            download.digest.update(chunk.bytes[...])
            downloads[gateway] = download
            guard download.digest.size == download.manifest.size else { return nil }
            downloads[gateway] = nil
            return (download.manifest.version.description, download.digest.hex == download.manifest.sha256)
        }
        guard let finished else { return ask(gateway, state: state, on: client) }
        guard finished.matches else {
            state.refused.add(1, ordering: .relaxed)
            return
        }
        state.running.withLock { $0[gateway] = finished.version }
        report(gateway, state: state, on: client)
    }

    /// Publishes `gateway`'s retained status: the configuration it runs, and its release.
    static func report(_ gateway: String, state: State, on client: MQTTClient) {
        var document = StatusDocument(state: StatusDocument.online)
        (document.gateway, document.version, document.time) = (gateway, "0.1.0", systemWallClock())
        document.connected = true
        document.configuration = RemoteConfigurationStatus(applied: state.applied.withLock { $0[gateway] } ?? 0)
        if let release = state.running.withLock({ $0[gateway] }) {
            document.version = release
            document.release = ReleaseStatus(running: release)
        }
        _ = try? client.publish(
            .init(topic: GatewayTopics(gateway: gateway).status, payload: document.encoded(), qos: 1, retain: true))
    }

    func stop() {
        client.shutdown()
        task.cancel()
    }
}
