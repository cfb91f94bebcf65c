import Foundation
import OutpostMQTT
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `outpostctl` as the operator runs it.
func outpostctl(_ arguments: [String]) throws -> ChildProcess.Outcome {
    try ChildProcess.run(Binaries.path("outpostctl"), arguments)
}

private func mode(_ path: String) -> mode_t {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0
}

/// A fleet made only with `outpostctl`: a CA, the broker's files, two gateways' bundles, and a
/// Mosquitto configured from nothing but `outpostctl broker-config`'s output.
final class Fleet {
    let folder: TemporaryFolder
    let port: Int
    var broker: ChildProcess?
    var ca: String { folder.path + "/ca" }
    var brokerFiles: String { folder.path + "/broker" }

    init() throws {
        folder = try TemporaryFolder(prefix: "fleet")
        port = try Broker.freePort()
        let created = try outpostctl(["ca", "init", "--dir", ca])
        guard created.exitStatus == 0 else { throw HubTestFailure("ca init: \(created)") }
        let config = try outpostctl([
            "broker-config", "--ca", ca, "--host", "127.0.0.1", "--host", "localhost", "--out", brokerFiles, "--port",
            String(port), "--bind", "127.0.0.1", "--install-dir", brokerFiles,
        ])
        guard config.exitStatus == 0 else { throw HubTestFailure("broker-config: \(config)") }
        let sources = folder.write(
            Array("[[modbus]]\nname = \"dev\"\nurl = \"tcp://127.0.0.1:1502\"\nprofile = \"xy-md02\"\n".utf8),
            to: "sources.toml")
        for gateway in ["gw-a", "gw-b"] {
            let made = try outpostctl([
                "provision", gateway, "--ca", ca, "--broker", "mqtts://127.0.0.1:\(port)", "--sources", sources,
                "--out",
                folder.path + "/\(gateway)",
            ])
            guard made.exitStatus == 0 else { throw HubTestFailure("provision: \(made)") }
        }
    }

    /// Starts Mosquitto on the generated listener (run as root here, so it keeps reading the keys).
    func startBroker() throws {
        let main = folder.write(
            Array("user root\nlog_dest stderr\nlog_type all\ninclude_dir \(brokerFiles)\n".utf8), to: "mosquitto.conf")
        let started = try ChildProcess("/usr/sbin/mosquitto", ["-c", main])
        _ = try started.waitForStderrLine(
            containing: "Opening ipv4 listen socket on port \(port)", timeout: .seconds(20))
        broker = started
        guard Broker.waitUntilListening(port: port) else {
            throw HubTestFailure("the broker takes no connection on \(port)")
        }
    }

    func stopBroker() {
        broker?.terminate()
        broker = nil
    }

    /// An MQTT client with `identity`'s certificate (nil: none), trusting `caFile`.
    func client(_ name: String, certificate: String?, key: String?, caFile: String? = nil) throws -> MQTTClient {
        try MQTTClient(
            .init(
                host: "127.0.0.1", port: port, clientID: "\(name)-\(UInt32.random(in: 0...UInt32.max))",
                tls: .init(caFile: caFile ?? ca + "/ca.pem", certificateFile: certificate, keyFile: key),
                cleanSession: true))
    }

    func gateway(_ id: String) throws -> MQTTClient {
        try client(id, certificate: folder.path + "/\(id)/\(id).pem", key: folder.path + "/\(id)/\(id).key")
    }

    func hub() throws -> MQTTClient {
        try client("hub", certificate: brokerFiles + "/hub/outpost-hub.pem", key: brokerFiles + "/hub/outpost-hub.key")
    }

    deinit { broker?.terminate() }
}

/// Connects `client`; true once the broker accepted it.
func connects(_ client: MQTTClient, port: Int) async -> Bool {
    do {
        try client.connect(host: "127.0.0.1", port: port, keepalive: 5)
    } catch {
        return false  // refused during the TLS handshake
    }
    // A TLS handshake and CONNACK on a loaded 2-core machine: give it time.
    let first = await firstElement(of: client.events, within: .seconds(30)) { event in
        switch event {
        case .connected, .refused, .disconnected: true
        default: false
        }
    }
    return first == .connected
}

@Suite("Fleet security with a broker configured by outpostctl")
struct FleetSecurityTests {
    @Test(
        "Keys are 0600, a CA is never overwritten without --force, ids that would break topics are refused, bundles pack as .tar.gz"
    )
    func filesAndRefusals() throws {
        let fleet = try Fleet()
        #expect(mode(fleet.ca + "/ca.key") == 0o600)
        #expect(mode(fleet.brokerFiles + "/broker.key") == 0o600)
        #expect(mode(fleet.folder.path + "/gw-a/gw-a.key") == 0o600)
        let again = try outpostctl(["ca", "init", "--dir", fleet.ca])
        #expect(again.exitStatus != 0 && again.stderr.contains("--force"), "\(again)")
        let acl = String(decoding: readFileBytes(fleet.brokerFiles + "/acl"), as: UTF8.self)
        #expect(acl.contains("pattern write outpost/v1/%u/batch") && acl.contains("user outpost-hub"))
        let agent = String(decoding: readFileBytes(fleet.folder.path + "/gw-a/agent.toml"), as: UTF8.self)
        #expect(
            agent.contains("id = \"gw-a\"") && agent.contains("[[modbus]]")
                && agent.contains("certificate = \"/etc/outpost/gw-a.pem\""))
        for bad in ["gw/a", "gw+a", "gw#a", "gw a", "outpost-hub"] {
            let refused = try outpostctl([
                "provision", bad, "--ca", fleet.ca, "--broker", "mqtts://127.0.0.1:8883", "--sources",
                fleet.folder.path + "/sources.toml", "--out", fleet.folder.path + "/bad",
            ])
            #expect(refused.exitStatus != 0, "'\(bad)' was accepted")
        }
        let archive = fleet.folder.path + "/gw-c.tar.gz"
        let packed = try outpostctl([
            "provision", "gw-c", "--ca", fleet.ca, "--broker", "mqtts://127.0.0.1:8883", "--sources",
            fleet.folder.path + "/sources.toml", "--out", archive,
        ])
        #expect(packed.exitStatus == 0, "\(packed)")
        let listing = try ChildProcess.run("/usr/bin/tar", ["-tvzf", archive]).stdout
        #expect(listing.contains("outpost/agent.toml") && listing.contains("outpost/first-boot.sh"), "\(listing)")
        #expect(
            listing.contains("-rw------- root/root") && listing.contains("outpost/gw-c.key"),
            "the key is 0600 in the archive: \(listing)")
        #expect(access(fleet.folder.path + "/gw-c.pem", R_OK) == 0, "the certificate beside the archive, for enroll")
    }

    @Test(
        "Against the real broker: each gateway reaches only its own topics; no certificate, another CA's or a revoked one cannot connect"
    )
    func brokerEnforcesIdentity() async throws {
        let fleet = try Fleet()
        try fleet.startBroker()
        let hub = try fleet.hub()
        defer { hub.shutdown() }
        #expect(await connects(hub, port: fleet.port), "the hub's identity connects")
        try hub.subscribe("outpost/v1/+/batch")
        let gatewayA = try fleet.gateway("gw-a")
        defer { gatewayA.shutdown() }
        #expect(await connects(gatewayA, port: fleet.port))
        try gatewayA.subscribe("outpost/v1/gw-b/ack")
        try gatewayA.subscribe("outpost/v1/gw-a/ack")
        // A publishes as B first, then as itself: when its own arrives, B's would have arrived first.
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-b/batch", payload: Array("forged".utf8)))
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-a/batch", payload: Array("own".utf8)))
        var seen: [String] = []
        let own = await firstElement(of: hub.events, within: .seconds(20)) { event in
            if case .message(let topic, _) = event {
                return topic == "outpost/v1/gw-a/batch" || topic == "outpost/v1/gw-b/batch"
            }
            return false
        }
        if case .message(let topic, _) = own { seen.append(topic) }
        #expect(seen == ["outpost/v1/gw-a/batch"], "gw-a could write gw-b's batch topic: \(seen)")
        // The hub acknowledges B, then A: A reads only its own acknowledgement.
        _ = try hub.publish(.init(topic: "outpost/v1/gw-b/ack", payload: Array("for b".utf8)))
        _ = try hub.publish(.init(topic: "outpost/v1/gw-a/ack", payload: Array("for a".utf8)))
        let ack = await firstElement(of: gatewayA.events, within: .seconds(20)) { event in
            if case .message = event { return true }
            return false
        }
        #expect(
            ack == .message(topic: "outpost/v1/gw-a/ack", payload: Array("for a".utf8)),
            "gw-a read: \(String(describing: ack))")
        // Watch documents (retained, as the hub sends them): the hub writes B's and A's, then A
        // tries to overwrite its own. Subscribing to both, A gets only its own, the hub's.
        func retained(_ client: MQTTClient, _ topic: String, _ text: String) async throws -> Bool {
            let id = try client.publish(.init(topic: topic, payload: Array(text.utf8), qos: 1, retain: true))
            return await firstElement(of: client.events, within: .seconds(20)) { $0 == .published(messageID: id) }
                != nil
        }
        // The same for every retained document from the hub: watch, configuration, diagnostic
        // requests, release offers.
        for kind in ["watch", "config", "diagnose", "release"] {
            #expect(try await retained(hub, "outpost/v1/gw-b/\(kind)", "\(kind) b"))
            #expect(try await retained(hub, "outpost/v1/gw-a/\(kind)", "\(kind) a"))
            #expect(try await retained(gatewayA, "outpost/v1/gw-a/\(kind)", "self-made"), "answered, if refused")
            try gatewayA.subscribe("outpost/v1/gw-b/\(kind)")
            try gatewayA.subscribe("outpost/v1/gw-a/\(kind)")
            let document = await firstElement(of: gatewayA.events, within: .seconds(20)) { event in
                if case .message = event { return true }
                return false
            }
            #expect(
                document == .message(topic: "outpost/v1/gw-a/\(kind)", payload: Array("\(kind) a".utf8)),
                "gw-a read: \(String(describing: document))")
        }
        // Release chunks (not retained): A subscribes to B's and its own, and gets only its own.
        try gatewayA.subscribe("outpost/v1/gw-b/release-chunk")
        try gatewayA.subscribe("outpost/v1/gw-a/release-chunk")
        let subscribed = try gatewayA.publish(
            .init(topic: "outpost/v1/gw-a/status", payload: Array("barrier".utf8), qos: 1))
        #expect(
            await firstElement(of: gatewayA.events, within: .seconds(20)) { $0 == .published(messageID: subscribed) }
                != nil)
        _ = try hub.publish(.init(topic: "outpost/v1/gw-b/release-chunk", payload: Array("chunk b".utf8), qos: 1))
        _ = try hub.publish(.init(topic: "outpost/v1/gw-a/release-chunk", payload: Array("chunk a".utf8), qos: 1))
        let chunk = await firstElement(of: gatewayA.events, within: .seconds(20)) { event in
            if case .message = event { return true }
            return false
        }
        #expect(
            chunk == .message(topic: "outpost/v1/gw-a/release-chunk", payload: Array("chunk a".utf8)),
            "gw-a read: \(String(describing: chunk))")
        // Diagnostic answers and requests for release bytes: A cannot write them as B; its own
        // reach the hub.
        try hub.subscribe("outpost/v1/+/diagnosis")
        try hub.subscribe("outpost/v1/+/release-get")
        // The broker handles a connection's packets in order: once it acknowledges a later publish,
        // the subscription is in place, and gw-a's answers cannot overtake it.
        let barrier = try hub.publish(.init(topic: "outpost/v1/gw-a/ack", payload: Array("barrier".utf8), qos: 1))
        #expect(
            await firstElement(of: hub.events, within: .seconds(20)) { $0 == .published(messageID: barrier) } != nil)
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-b/diagnosis", payload: Array("forged".utf8)))
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-a/diagnosis", payload: Array("own".utf8)))
        let diagnosis = await firstElement(of: hub.events, within: .seconds(20)) { event in
            if case .message(let topic, _) = event { return topic.hasSuffix("/diagnosis") }
            return false
        }
        #expect(
            diagnosis == .message(topic: "outpost/v1/gw-a/diagnosis", payload: Array("own".utf8)),
            "the hub read: \(String(describing: diagnosis))")
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-b/release-get", payload: Array("forged".utf8)))
        _ = try gatewayA.publish(.init(topic: "outpost/v1/gw-a/release-get", payload: Array("own".utf8)))
        let request = await firstElement(of: hub.events, within: .seconds(20)) { event in
            if case .message(let topic, _) = event { return topic.hasSuffix("/release-get") }
            return false
        }
        #expect(
            request == .message(topic: "outpost/v1/gw-a/release-get", payload: Array("own".utf8)),
            "the hub read: \(String(describing: request))")

        let anonymous = try fleet.client("stranger", certificate: nil, key: nil)
        #expect(!(await connects(anonymous, port: fleet.port)), "no certificate, no connection")
        anonymous.shutdown()
        let otherCA = fleet.folder.path + "/other-ca"
        #expect(try outpostctl(["ca", "init", "--dir", otherCA]).exitStatus == 0)
        #expect(
            try outpostctl([
                "provision", "gw-a", "--ca", otherCA, "--broker", "mqtts://127.0.0.1:8883", "--sources",
                fleet.folder.path + "/sources.toml", "--out", fleet.folder.path + "/impostor",
            ]).exitStatus == 0)
        let impostor = try fleet.client(
            "impostor", certificate: fleet.folder.path + "/impostor/gw-a.pem",
            key: fleet.folder.path + "/impostor/gw-a.key")
        #expect(!(await connects(impostor, port: fleet.port)), "a certificate from another CA is refused")
        impostor.shutdown()

        // Revoked: the CA's new revocation list, installed on the broker, shuts gw-b out.
        let beforeRevocation = try fleet.gateway("gw-b")
        #expect(await connects(beforeRevocation, port: fleet.port), "gw-b connects while its certificate is good")
        beforeRevocation.shutdown()
        let revoked = try outpostctl(["revoke", "gw-b", "--ca", fleet.ca])
        #expect(revoked.exitStatus == 0, "\(revoked)")
        try Data(readFileBytes(fleet.ca + "/crl.pem")).write(to: URL(fileURLWithPath: fleet.brokerFiles + "/crl.pem"))
        fleet.stopBroker()
        try fleet.startBroker()
        let gatewayB = try fleet.gateway("gw-b")
        #expect(!(await connects(gatewayB, port: fleet.port)), "a revoked certificate is refused")
        gatewayB.shutdown()
        let stillA = try fleet.gateway("gw-a")
        #expect(await connects(stillA, port: fleet.port), "the others still connect")
        stillA.shutdown()
    }

    @Test(
        "At the hub: enrolment by certificate checks the CA and the name; a frame signed by A as B, a replay and a revoked gateway's frames are refused"
    )
    func hubEnforcesIdentity() throws {
        let fleet = try Fleet()
        let hub = try HubProcess(brokerPort: nil, hubKeys: "ca = \"\(fleet.ca)/ca.pem\"")
        try hub.start(withBroker: false)
        let url = "http://127.0.0.1:\(hub.httpPort)"
        func enroll(_ id: String, _ certificate: String) throws -> ChildProcess.Outcome {
            try outpostctl(["enroll", id, "--hub", url, "--token", hub.token, "--cert", certificate])
        }
        #expect(try enroll("gw-a", fleet.folder.path + "/gw-a/gw-a.pem").exitStatus == 0)
        #expect(try enroll("gw-b", fleet.folder.path + "/gw-b/gw-b.pem").exitStatus == 0)
        let misnamed = try enroll("gw-x", fleet.folder.path + "/gw-a/gw-a.pem")
        #expect(misnamed.exitStatus != 0 && misnamed.stderr.contains("not to 'gw-x'"), "\(misnamed)")
        #expect(try outpostctl(["ca", "init", "--dir", fleet.folder.path + "/other-ca"]).exitStatus == 0)
        #expect(
            try outpostctl([
                "provision", "gw-z", "--ca", fleet.folder.path + "/other-ca", "--broker", "mqtts://127.0.0.1:8883",
                "--sources",
                fleet.folder.path + "/sources.toml", "--out", fleet.folder.path + "/gw-z",
            ]).exitStatus == 0)
        let foreign = try enroll("gw-z", fleet.folder.path + "/gw-z/gw-z.pem")
        #expect(foreign.exitStatus != 0 && foreign.stderr.contains("does not chain"), "\(foreign)")

        let keyA = String(decoding: readFileBytes(fleet.folder.path + "/gw-a/gw-a.key"), as: UTF8.self)
        let signerA = try GatewayFrameSigner(privateKeyPEM: keyA)
        func frame(_ gateway: String, _ sequence: UInt64) throws -> String {
            let bytes = try BatchFrame(
                gatewayID: gateway, sequence: sequence, bootID: .zero, clockState: .synchronised, createdAt: 1,
                createdMonotonic: 1, series: [SeriesDescriptor(id: 0, name: "level")],
                chunks: [
                    FrameChunk(
                        seriesID: 0,
                        chunk: try Chunk(
                            encoding: SampleColumns([Sample(timestamp: Int64(sequence), value: 1)]), resolution: nil,
                            clockSynchronised: true))
                ]
            ).encoded(signer: signerA)
            return hub.folder.write(bytes, to: "\(gateway)-\(sequence).frame")
        }
        #expect(
            try hub.http("/api/v1/ingest", post: frame("gw-a", 1)).contains("\"duplicate\":false"),
            "the bundle's key signs gw-a's frames")
        #expect(
            try hub.http("/api/v1/ingest", post: frame("gw-a", 1)).contains("\"duplicate\":true"),
            "a replay changes nothing")
        #expect(
            try hub.http("/api/v1/ingest", post: frame("gw-b", 1)).contains("bad_signature"),
            "A's key cannot speak for B")

        let revoked = try outpostctl(["revoke", "gw-a", "--ca", fleet.ca, "--hub", url, "--token", hub.token])
        #expect(revoked.exitStatus == 0, "\(revoked)")
        #expect(try hub.http("/api/v1/ingest", post: frame("gw-a", 2)).contains("revoked_gateway"))
        let table = try outpostctl(["fleet", "--hub", url, "--token", hub.token])
        #expect(table.exitStatus == 0 && table.stdout.contains("GATEWAY") && table.stdout.contains("gw-b"), "\(table)")
        #expect(table.stdout.contains("revoked"), "\(table.stdout)")
    }

    @Test(
        "A new gateway, the documented way: provision, enroll, run the agent with its bundle; its readings reach the hub over TLS"
    )
    func provisionToDashboard() async throws {
        let fleet = try Fleet()
        try fleet.startBroker()
        let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
        defer { sim.terminate() }
        let gateway = fleet.folder.path + "/gw-new"
        let sources = fleet.folder.write(
            Array("[[modbus]]\nname = \"dev\"\nurl = \"\(url)\"\nprofile = \"xy-md02\"\ninterval = \"500ms\"\n".utf8),
            to: "new-sources.toml")
        let made = try outpostctl([
            "provision", "gw-new", "--ca", fleet.ca, "--broker", "mqtts://127.0.0.1:\(fleet.port)", "--sources",
            sources,
            "--config-dir", gateway, "--data-dir", gateway + "/data", "--out", gateway,
        ])
        #expect(made.exitStatus == 0, "\(made)")
        // Loopback is a fixed line: the documented setting for one (batches every 10 s, not 5 min).
        let configuration = String(decoding: readFileBytes(gateway + "/agent.toml"), as: UTF8.self)
        #expect(configuration.contains("[uplink]\n"))
        fleet.folder.write(
            Array(
                configuration.replacingOccurrences(of: "[uplink]\n", with: "[uplink]\nbatch_max_age = \"10s\"\n").utf8),
            to: "gw-new/agent.toml")
        let hubIdentity = fleet.brokerFiles + "/hub/outpost-hub"
        let hub = try HubProcess(
            brokerPort: nil,
            extra: """
                [broker]
                url = "mqtts://127.0.0.1:\(fleet.port)"
                client_id = "hub-under-test"
                ca = "\(fleet.ca)/ca.pem"
                certificate = "\(hubIdentity).pem"
                key = "\(hubIdentity).key"
                """, hubKeys: "ca = \"\(fleet.ca)/ca.pem\"")
        try hub.start(withBroker: true)
        let enrolled = try outpostctl([
            "enroll", "gw-new", "--hub", "http://127.0.0.1:\(hub.httpPort)", "--token", hub.token, "--cert",
            gateway + "/gw-new.pem",
        ])
        #expect(enrolled.exitStatus == 0, "\(enrolled)")
        let agent = try ChildProcess(
            Binaries.path("outpost-agent"), ["run", "--config", gateway + "/agent.toml"],
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"])
        defer { agent.terminate() }
        let online = await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
            let answer = (try? hub.call("GET", "/api/v1/gateways/gw-new/latest", bearer: hub.token).json) ?? [:]
            return (answer["latest"] as? [[String: Any]])?.contains { $0["series"] as? String == "dev.temperature" }
                ?? false
        }
        #expect(online, "readings of gw-new reached the hub through the TLS broker")
        let state = try hub.call("GET", "/api/v1/gateways/gw-new", bearer: hub.token).json["gateway"] as? [String: Any]
        #expect(state?["state"] as? String == "online", "\(String(describing: state))")
    }
}
