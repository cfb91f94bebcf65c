import Foundation
import Logging
import OutpostAgent
import OutpostBench
import OutpostHub
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import ServiceLifecycle
import Testing

/// Remote configuration from the hub's side, with every part real: the hub process, Mosquitto,
/// an agent reading the simulator, and `outpostctl` as the operator's tool. Every reading the
/// agent took is counted against what the hub stored.
@Suite(
    "Fleet configuration: pushed from the hub, applied, refused, rolled back, audited", .serialized,
    Requires.installed(Broker.isAvailable, "mosquitto"))
struct FleetConfigurationTests {
    @Test(
        "A push applied online; a mistake refused with its line; a dead device rolled back and shown so; a push made offline applied on reconnect; all audited"
    )
    func pushes() async throws {
        let bed = try FleetTestbed()
        let (hub, keys, url) = (bed.hub, bed.keys, bed.url)
        let (configuration, _) = try bed.agent("gw-cfg")
        let operatorToken = try hub.makeToken(role: "operator")
        let viewer = try hub.makeToken(role: "viewer")
        try hub.start()

        func device(_ name: String, _ url: String, interval: String = "interval") -> String {
            "[[modbus]]\nname = \"\(name)\"\nurl = \"\(url)\"\nprofile = \"xy-md02\"\n\(interval) = \"200ms\"\ntimeout = \"50ms\"\n\n"
        }
        func outpostctl(_ arguments: [String], token: String? = nil) async throws -> ChildProcess.Outcome {
            try await bed.outpostctl(["config"] + arguments, token: token ?? operatorToken)
        }
        func state() throws -> [String: Any] {
            try hub.call("GET", "/api/v1/gateways/gw-cfg/config", bearer: viewer).json
        }
        var runs: [Agent] = []

        try await Agent.running(configuration) { agent in
            runs.append(agent)
            #expect(
                await eventually { (try? state())?["applied"] as? Int64 == 0 }, "the gateway reports agent.toml alone")
            #expect(try state()["state"] as? String == "none")

            // v1, online: applied, and its new device's readings reach the hub.
            let first = keys.write(Array((device("room", url) + device("annex", url)).utf8), to: "v1.toml")
            let set = try await outpostctl(["set", "gw-cfg", first, "--note", "add the annex"])
            #expect(set.exitStatus == 0 && set.stdout.contains("v1 accepted"), "\(set)")
            #expect(
                await eventually(timeout: .seconds(60)) { (try? state())?["state"] as? String == "applied" },
                "\(String(describing: try? state()))")
            let annex = SeriesKey(gateway: "gw-cfg", name: "annex.temperature")
            let store = try await hub.store()
            #expect(
                await eventually { (try? await QueryEngine(store: store).range(annex, 0...Int64.max).count) ?? 0 > 3 })

            // A mistake: refused by the hub with its line and key, nothing stored or sent.
            let typo = keys.write(Array((device("room", url, interval: "intervall")).utf8), to: "typo.toml")
            let refused = try await outpostctl(["set", "gw-cfg", typo])
            #expect(refused.exitStatus != 0)
            #expect(
                refused.stderr.contains("gw-cfg configuration: line 5, modbus[0].intervall: unknown key 'intervall'"),
                "\(refused)")
            #expect((try state()["versions"] as? [Any])?.count == 1)
            let uplink = try hub.call(
                "PUT", "/api/v1/gateways/gw-cfg/config", bearer: operatorToken,
                json: #"{"toml":"[uplink]\nbroker = \"mqtt://elsewhere:1883\"\n"}"#)
            #expect(uplink.status == 422 && uplink.body.contains("never set remotely"), "\(uplink.body)")
            let asViewer = try hub.call(
                "PUT", "/api/v1/gateways/gw-cfg/config", bearer: viewer, json: #"{"toml":""}"#)
            #expect(asViewer.status == 403)

            // v2 with a device on a port where nothing answers: rolled back to v1, and shown so.
            let dead = "tcp://127.0.0.1:\(try Broker.freePort())"
            let second = keys.write(Array((device("room", url) + device("dead", dead)).utf8), to: "v2.toml")
            #expect(try await outpostctl(["set", "gw-cfg", second, "--trial", "2m"]).exitStatus == 0)
            #expect(
                await eventually(timeout: .seconds(60)) { (try? state())?["state"] as? String == "rolled_back" },
                "\(String(describing: try? state()))")
            let rolled = try state()
            #expect(rolled["applied"] as? Int64 == 1 && rolled["failed"] as? Int64 == 2)
            #expect((rolled["reason"] as? String)?.contains("source modbus.dead failed in every poll") == true)
            let status = try await outpostctl(["status", "gw-cfg"], token: viewer)
            #expect(status.stdout.contains("rolled_back; wanted v2, runs v1"), "\(status)")
            #expect(status.stdout.contains("v2 rolled back: source modbus.dead"), "\(status)")
            let diff = try await outpostctl(["diff", "gw-cfg", "--from", "1", "--to", "2"], token: viewer)
            #expect(
                diff.stdout.contains("-name = \"annex\"\n") && diff.stdout.contains("+url = \"\(dead)\"\n"), "\(diff)")
            let got = try await outpostctl(["get", "gw-cfg", "--version", "1"], token: viewer)
            #expect(got.stdout == String(decoding: readFileBytes(first), as: UTF8.self))
        }

        // v3 pushed while the gateway is off: taken from the retained copy when it is back.
        let third = try hub.call(
            "PUT", "/api/v1/gateways/gw-cfg/config", bearer: operatorToken,
            json:
                #"{"toml":"[[modbus]]\nname = \"cellar\"\nurl = \"\#(url)\"\nprofile = \"xy-md02\"\ninterval = \"200ms\"\n","note":"while away"}"#
        )
        #expect(third.status == 201 && third.json["version"] as? Int64 == 3, "\(third.body)")
        try await Agent.running(configuration) { agent in
            runs.append(agent)
            #expect(
                await eventually(timeout: .seconds(60)) {
                    let now = try? state()
                    return now?["state"] as? String == "applied" && now?["applied"] as? Int64 == 3
                }, "\(String(describing: try? state()))")
            #expect(await eventually { (try? await agent.outboxStatistics())?.unsentBatches == 0 })
        }

        // Every reading the agent took is stored once.
        let store = try await hub.store()
        var stored = 0
        for series in try await store.series(gateway: "gw-cfg") {
            let samples = try await QueryEngine(store: store).range(series.key, 0...Int64.max)
            #expect(Set(samples.map(\.timestamp)).count == samples.count, "\(series.key.name) has a reading twice")
            stored += samples.count
        }
        let taken = runs.reduce(0) { $0 + $1.readingsTaken }
        #expect(stored == taken, "\(stored) stored, \(taken) taken")

        // The audit log: each push with who and from where; admins only; not editable.
        let audit = try hub.call("GET", "/api/v1/audit?target=gw-cfg", bearer: hub.token)
        let entries = audit.json["entries"] as? [[String: Any]] ?? []
        #expect(
            entries.map { $0["action"] as? String } == ["config.push", "config.push", "config.push", "gateway.enrol"],
            "\(audit.body)")
        let pushes = entries.prefix(3)
        #expect(
            pushes.allSatisfy { $0["actor"] as? String == "tests-operator" && $0["source"] as? String == "127.0.0.1" })
        #expect(
            pushes.map { $0["detail"] as? String } == [
                "v3, trial 600 s: while away", "v2, trial 120 s", "v1, trial 600 s: add the annex",
            ])
        #expect(entries.last?["source"] as? String == "outpost-hub command line", "enrolled with outpost-hub enrol")
        #expect(try hub.call("GET", "/api/v1/audit", bearer: operatorToken).status == 403)
        for method in ["DELETE", "PUT", "PATCH", "POST"] {
            let change = try hub.call(method, "/api/v1/audit", bearer: hub.token, json: "{}")
            #expect(!(200..<300).contains(change.status), "\(method) /api/v1/audit answered \(change.status)")
        }
        let revoke = try await ChildProcess.running(
            Binaries.path("outpost-hub"), ["token", "revoke", "999", "--config", hub.config])
        #expect(revoke.exitStatus != 0, "no token 999: nothing done, nothing audited")
        let cli = try hub.command(["token", "add", "--name", "late", "--role", "viewer"])
        #expect(cli.exitStatus == 0)
        let tokens = try hub.call(
            "GET", "/api/v1/audit?target=token%20" + "\(try newestTokenID(hub))", bearer: hub.token)
        #expect(tokens.body.contains(#""source":"outpost-hub command line""#), "\(tokens.body)")
    }

    @Test(
        "The link loses the hub's acknowledgements after a push: the gateway rolls back within its trial and the hub shows why; nothing lost or twice"
    )
    func silentHubRollsBack() async throws {
        let bed = try FleetTestbed()
        let relay = try LinkRelay(target: bed.broker.port)
        defer { relay.stop() }
        let (configuration, _) = try bed.agent("gw-link", via: relay.port)
        let token = try bed.hub.makeToken(role: "operator")
        try bed.hub.start()
        func state() throws -> [String: Any] {
            try bed.hub.call("GET", "/api/v1/gateways/gw-link/config", bearer: token).json
        }
        var runs: [Agent] = []
        try await Agent.running(configuration) { agent in
            runs.append(agent)
            #expect(await eventually { (try? state())?["applied"] as? Int64 == 0 })
            relay.set(.dropAcknowledgements)
            let pushed = try bed.hub.call(
                "PUT", "/api/v1/gateways/gw-link/config", bearer: token,
                json: #"{"toml":"[buffer]\ncommit_interval = \"200ms\"\n","trial_s":5}"#)
            #expect(pushed.status == 201, "\(pushed.body)")
            #expect(
                await eventually(timeout: .seconds(60)) { (try? state())?["state"] as? String == "rolled_back" },
                "\(String(describing: try? state()))")
            #expect((try state()["reason"] as? String)?.contains("no batch acknowledged by the hub within 5 s") == true)
            #expect(try state()["applied"] as? Int64 == 0, "back on agent.toml alone")
            relay.set(.pass)
            #expect(
                await eventually(timeout: .seconds(60)) { (try? await agent.outboxStatistics())?.unsentBatches == 0 })
        }
        let store = try await bed.hub.store()
        var stored = 0
        for series in try await store.series(gateway: "gw-link") {
            let samples = try await QueryEngine(store: store).range(series.key, 0...Int64.max)
            #expect(Set(samples.map(\.timestamp)).count == samples.count)
            stored += samples.count
        }
        #expect(stored == runs.reduce(0) { $0 + $1.readingsTaken }, "\(stored) stored")
        #expect(relay.acknowledgementsDropped > 0)
    }

    @Test("A rollout by label: a canary that fails halts it before the rest get it; a good one reaches every gateway")
    func rollout() async throws {
        let bed = try FleetTestbed()
        let (hub, keys, url) = (bed.hub, bed.keys, bed.url)
        let names = ["gw-r1", "gw-r2", "gw-r3"]
        let configurations = try names.map { try bed.agent($0).0 }
        let operatorToken = try hub.makeToken(role: "operator")
        try hub.start()
        func outpostctl(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await bed.outpostctl(["config"] + arguments, token: operatorToken)
        }
        for name in names {
            #expect(try await outpostctl(["label", name, "site=north"]).exitStatus == 0)
        }
        let agents = try configurations.map {
            try Agent(configuration: $0, version: "test", logger: Logger(label: "agent"))
        }
        let group = ServiceGroup(configuration: .init(services: agents, logger: Logger(label: "group")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            #expect(
                await eventually(timeout: .seconds(60)) {
                    names.allSatisfy { name in
                        (try? hub.call("GET", "/api/v1/gateways/\(name)/config", bearer: operatorToken).json["applied"])
                            as? Int64 == 0
                    }
                }, "every gateway reports")
            let dead = "tcp://127.0.0.1:\(try Broker.freePort())"
            let bad = keys.write(
                Array(
                    "[[modbus]]\nname = \"dead\"\nurl = \"\(dead)\"\nprofile = \"xy-md02\"\ninterval = \"100ms\"\n".utf8
                ),
                to: "bad.toml")
            let halted = try await outpostctl(["push", bad, "--label", "site=north", "--trial", "1m", "--wait"])
            #expect(halted.exitStatus == 1, "\(halted)")
            #expect(
                halted.stdout.contains("gw-r1 v1 failed: rolled_back: source modbus.dead failed in every poll"),
                "\(halted)")
            #expect(halted.stdout.contains("gw-r2 skipped") && halted.stdout.contains("gw-r3 skipped"), "\(halted)")
            #expect(halted.stdout.contains("halted: 1 of 1 gateways failed (more than 20 %): gw-r1"), "\(halted)")
            for name in ["gw-r2", "gw-r3"] {
                let state = try hub.call("GET", "/api/v1/gateways/\(name)/config", bearer: operatorToken).json
                #expect(state["state"] as? String == "none", "\(name) never got the bad configuration")
            }

            let good = keys.write(
                Array(
                    "[[modbus]]\nname = \"room\"\nurl = \"\(url)\"\nprofile = \"xy-md02\"\ninterval = \"100ms\"\n".utf8),
                to: "good.toml")
            let done = try await outpostctl(["push", good, "--label", "site=north", "--trial", "1m", "--wait"])
            #expect(done.exitStatus == 0 && done.stdout.contains("done: 3 of 3 applied"), "\(done)")
            let audit =
                try hub.call("GET", "/api/v1/audit", bearer: hub.token).json["entries"] as? [[String: Any]] ?? []
            let actions = audit.compactMap { $0["action"] as? String }
            #expect(
                actions.filter { $0 == "rollout.start" }.count == 2
                    && actions.filter { $0 == "gateway.labels" }.count == 3)
            await group.triggerGracefulShutdown()
        }
    }

    @Test(
        "Remote diagnostics: asked while the gateway is off and answered when it is back; an expired request never answered; probe, errors, outbox and configuration; answers checked against the gateway's key"
    )
    func diagnostics() async throws {
        let bed = try FleetTestbed()
        let (hub, broker) = (bed.hub, bed.broker)
        let (configuration, _) = try bed.agent("gw-diag")
        let silent = try GatewayIdentity.generate(gatewayID: "gw-silent")
        try hub.enrol("gw-silent", publicKey: silent.publicKeyPEM)
        let operatorToken = try hub.makeToken(role: "operator")
        let viewer = try hub.makeToken(role: "viewer")
        try hub.start()
        func diagnose(_ arguments: [String]) async throws -> ChildProcess.Outcome {
            try await bed.outpostctl(["diagnose"] + arguments, token: operatorToken)
        }
        func requests(_ gateway: String) throws -> [[String: Any]] {
            try hub.call("GET", "/api/v1/gateways/\(gateway)/diagnostics", bearer: viewer).json["diagnostics"]
                as? [[String: Any]] ?? []
        }

        // Asked while the gateway is off: one that waits a day, one that expires in 10 s.
        let waiting = try await diagnose(["gw-diag", "outbox", "--wait", "0s"])
        #expect(waiting.exitStatus == 0 && waiting.stdout.contains("waits for gw-diag"), "\(waiting)")
        #expect(try await diagnose(["gw-diag", "config", "--expires", "10s", "--wait", "0s"]).exitStatus == 0)
        #expect(
            await eventually(timeout: .seconds(30)) {
                (try? requests("gw-diag"))?.first?["state"] as? String == "expired"
            },
            "the 10 s request expires unanswered")
        let asViewer = try hub.call(
            "POST", "/api/v1/gateways/gw-diag/diagnostics", bearer: viewer, json: #"{"kind":"errors"}"#)
        #expect(asViewer.status == 403)
        let shell = try hub.call(
            "POST", "/api/v1/gateways/gw-diag/diagnostics", bearer: operatorToken, json: #"{"kind":"shell"}"#)
        #expect(shell.status == 400 && shell.body.contains("probe, errors, outbox, config"), "\(shell.body)")

        try await Agent.running(configuration) { agent in
            #expect(
                await eventually(timeout: .seconds(60)) {
                    (try? requests("gw-diag"))?.first { $0["kind"] as? String == "outbox" }?["state"] as? String
                        == "answered"
                }, "the request made while it was off is answered once it is back")
            let outbox = try requests("gw-diag").first { $0["kind"] as? String == "outbox" }
            #expect((outbox?["text"] as? String)?.contains("next sequence") == true, "\(String(describing: outbox))")
            let expired = try requests("gw-diag").first { $0["kind"] as? String == "config" }
            #expect(expired?["state"] as? String == "expired" && expired?["text"] is NSNull, "never answered")

            #expect(await eventually { agent.sourceCounters.values.contains { $0.goodSamples > 3 } })
            let probe = try await diagnose(["gw-diag", "probe", "--device", "room"])
            #expect(probe.exitStatus == 0 && probe.stdout.contains("modbus room: read once now"), "\(probe)")
            #expect(probe.stdout.contains("temperature") && probe.stdout.contains("good"), "\(probe.stdout)")
            let ghost = try await diagnose(["gw-diag", "probe", "--device", "ghost"])
            #expect(
                ghost.exitStatus == 1
                    && ghost.stdout.contains("no Modbus device 'ghost' is configured; configured: room"))
            let errors = try await diagnose(["gw-diag", "errors"])
            #expect(
                errors.stdout.contains("modbus.room") && errors.stdout.contains("uplink connected"), "\(errors.stdout)")
            let applied = try await diagnose(["gw-diag", "config"])
            #expect(applied.stdout.contains("remote configuration: none (agent.toml alone)"), "\(applied.stdout)")
            #expect(applied.stdout.contains("configuration ok: gateway gw-diag"), "\(applied.stdout)")
        }

        // An answer is taken only with the gateway's own signature.
        let asked = try hub.call(
            "POST", "/api/v1/gateways/gw-silent/diagnostics", bearer: operatorToken, json: #"{"kind":"errors"}"#)
        let id = try #require(asked.json["id"] as? Int64)
        let topic = GatewayTopics(gateway: "gw-silent").diagnosis
        let answer = DiagnosticAnswer(gateway: "gw-silent", request: id, kind: "errors", time: 1, ok: true, text: "hi")
        let client = try MQTTClient(.init(host: "127.0.0.1", port: broker.port, clientID: "gw-silent"))
        try client.connect(host: "127.0.0.1", port: broker.port, keepalive: 5)
        defer { client.shutdown() }
        var forged = answer
        forged.text = "forged"
        _ = try client.publish(
            .init(topic: topic, payload: try DocumentSigner.generate().sign(forged, topic: topic), qos: 1))
        let signed = try DocumentSigner(privateKeyPEM: silent.privateKeyPEM).sign(answer, topic: topic)
        _ = try client.publish(.init(topic: topic, payload: signed, qos: 1))
        #expect(await eventually { (try? requests("gw-silent"))?.first?["state"] as? String == "answered" })
        #expect(try requests("gw-silent").first?["text"] as? String == "hi", "the signed answer, not the forged one")

        let audit =
            try hub.call("GET", "/api/v1/audit?target=gw-diag", bearer: hub.token).json["entries"]
            as? [[String: Any]] ?? []
        #expect(audit.filter { $0["action"] as? String == "diagnostics.request" }.count == 6, "\(audit)")
    }

    private func newestTokenID(_ hub: HubProcess) throws -> Int64 {
        let tokens = try hub.call("GET", "/api/v1/tokens", bearer: hub.token).json["tokens"] as? [[String: Any]] ?? []
        return tokens.compactMap { $0["id"] as? Int64 }.max() ?? 0
    }
}
