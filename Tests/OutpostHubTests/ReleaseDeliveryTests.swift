import Foundation
import GRDB
import OutpostAgent
import OutpostHub
import OutpostProvisioning
import OutpostSigning
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Agent releases over the air with every part real: the hub process, Mosquitto, the simulator,
/// the packaged `outpost-agent` binary run as systemd runs it, and `outpostctl` as the admin's
/// tool. A release is uploaded, rolled out, fetched through the broker (and resumed after a
/// SIGKILL half-way), started on trial, kept or rolled back, and the hub shows each outcome.
@Suite(
    "Releases over the air: uploaded, rolled out, downloaded through the broker, kept or rolled back",
    .serialized, Requires.installed(Broker.isAvailable, "mosquitto"))
struct ReleaseDeliveryTests {
    /// The hub (fleet key, release key), the broker, the simulator and one gateway's files.
    final class Bed {
        let fleet: GatewayIdentity
        let broker: Broker
        let simulator: ChildProcess
        let folder: TemporaryFolder
        let hub: HubProcess
        let signer: ReleaseSigner
        let config: String
        var agent: ChildProcess?
        var logs = ""

        init() throws {
            fleet = try GatewayIdentity.generate(gatewayID: "fleet")
            broker = try Broker(tls: false)
            let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
            simulator = sim
            folder = try TemporaryFolder()
            let releaseKey = ReleaseSigner.newKey()
            signer = try ReleaseSigner(privateKeyPEM: releaseKey.privatePEM)
            let releasePEM = folder.write(Array(releaseKey.publicPEM.utf8), to: "release.pem")
            hub = try HubProcess(
                brokerPort: broker.port, extra: "release_key = \"\(releasePEM)\"\n",
                fleetKey: folder.write(Array(fleet.privateKeyPEM.utf8), to: "fleet-key.pem"))
            let identity = try GatewayIdentity.generate(gatewayID: "gw-ota")
            try hub.enrol("gw-ota", publicKey: identity.publicKeyPEM)
            config = folder.write(
                Array(
                    """
                    [gateway]
                    id = "gw-ota"
                    data_dir = "\(folder.path)/data"

                    [uplink]
                    broker = "mqtt://127.0.0.1:\(broker.port)"
                    signing_key = "\(folder.write(Array(identity.privateKeyPEM.utf8), to: "signing.key"))"
                    hub_key = "\(folder.write(Array(fleet.publicKeyPEM.utf8), to: "fleet.pem"))"
                    release_key = "\(releasePEM)"
                    batch_max_age = "300ms"
                    ack_timeout = "2s"
                    status_interval = "10s"

                    [buffer]
                    commit_interval = "100ms"

                    [[modbus]]
                    name = "room"
                    url = "\(url)"
                    profile = "xy-md02"
                    interval = "100ms"
                    timeout = "50ms"
                    """.utf8), to: "agent.toml")
        }

        deinit {
            agent?.send(SIGKILL)
            hub.stop()
            simulator.terminate()
        }

        /// Starts the packaged agent as systemd does; `fault` names a point to die at.
        func start(fault: String? = nil) throws {
            agent = try ChildProcess.packagedAgent(config: config, fault: fault)
        }

        /// Waits for the agent to end by itself (the fault) or stops it with SIGTERM.
        func end(stop: Bool) async throws -> ChildProcess.Outcome? {
            guard let agent else { return nil }
            if stop { agent.send(SIGTERM) }
            let outcome = try await agent.finished(timeout: .seconds(120))
            logs += outcome.stderr
            self.agent = nil
            return outcome
        }

        /// `file` signed as release `version` for this machine, written beside it.
        func release(_ bytes: [UInt8], version: String, name: String) throws -> (manifest: String, file: String) {
            let file = folder.write(bytes, to: name)
            let measured = try ReleaseFile.measure(file)
            let manifest = ReleaseManifest(
                version: try #require(ReleaseVersion(version)), architecture: ReleaseInstaller.thisArchitecture,
                file: name, size: measured.size, sha256: measured.sha256, issuedAt: systemWallClock())
            return (folder.write(try signer.sign(manifest), to: name + ".manifest"), file)
        }

        /// `outpostctl ARGUMENTS` against the hub with `token`.
        func outpostctl(_ arguments: [String], token: String) async throws -> ChildProcess.Outcome {
            try await ChildProcess.running(
                "/usr/bin/env",
                ["OUTPOST_TOKEN=\(token)", Binaries.path("outpostctl")] + arguments
                    + ["--hub", "http://127.0.0.1:\(hub.httpPort)"])
        }

        /// The gateway as the fleet API shows it.
        func gateway() throws -> [String: Any] {
            let page = try hub.call("GET", "/api/v1/gateways", bearer: hub.token).json
            return (page["gateways"] as? [[String: Any]])?.first { $0["id"] as? String == "gw-ota" } ?? [:]
        }

        /// The gateway's release report.
        func release() -> [String: Any] { ((try? gateway())?["release"] as? [String: Any]) ?? [:] }

        /// A rollout as the API shows it.
        func rollout(_ id: Int64) throws -> [String: Any] {
            try hub.call("GET", "/api/v1/rollouts/\(id)", bearer: hub.token).json["rollout"] as? [String: Any] ?? [:]
        }

        /// The size of the partial download on disk.
        var partialSize: Int64? {
            let folder = folder.path + "/data/releases/download"
            return (try? FileIO.names(in: folder))?.first.flatMap { FileIO.size(folder + "/" + $0) }
        }
    }

    @Test(
        "A release uploaded and rolled out is fetched through the broker, resumed after SIGKILL half-way, kept and shown in the fleet; one that exits at start is rolled back and halts its rollout; forged and damaged uploads refused; every batch stored once"
    )
    func overTheAir() async throws {
        let bed = try Bed()
        let hub = bed.hub
        let operatorToken = try hub.makeToken(role: "operator")
        try hub.start()
        try bed.start(fault: "release-half-downloaded")
        #expect(
            await eventually(timeout: .seconds(60)) { (try? bed.gateway())?["agent_version"] as? String == "0.1.0" },
            "the packaged agent reports itself")

        // Uploads: admins only; the file must match its signed manifest, signed by the release key.
        let agentBinary = readFileBytes(Binaries.path("outpost-agent"))
        let good = try bed.release(agentBinary, version: "0.2.0", name: "outpost-agent")
        let asOperator = try await bed.outpostctl(["release", "upload", good.file], token: operatorToken)
        #expect(asOperator.exitStatus != 0 && asOperator.stderr.contains("(403)"), "\(asOperator)")
        var damagedBytes = agentBinary
        damagedBytes[damagedBytes.count / 2] ^= 0x01
        let damagedFile = bed.folder.write(damagedBytes, to: "damaged")
        let damaged = try await bed.outpostctl(
            ["release", "upload", damagedFile, "--manifest", good.manifest], token: hub.token)
        #expect(damaged.exitStatus != 0 && damaged.stderr.contains("SHA-256"), "\(damaged)")
        let forgedManifest = ReleaseManifest(
            version: try #require(ReleaseVersion("0.2.0")), architecture: ReleaseInstaller.thisArchitecture,
            file: "outpost-agent", size: Int64(agentBinary.count), sha256: ReleaseFile.sha256(agentBinary),
            issuedAt: systemWallClock())
        let forged = bed.folder.write(try ReleaseSigner.generate().sign(forgedManifest), to: "forged.manifest")
        let refusedForged = try await bed.outpostctl(
            ["release", "upload", good.file, "--manifest", forged], token: hub.token)
        #expect(
            refusedForged.exitStatus != 0 && refusedForged.stderr.contains("not signed by the release key"),
            "\(refusedForged)")
        let uploaded = try await bed.outpostctl(["release", "upload", good.file], token: hub.token)
        #expect(uploaded.exitStatus == 0 && uploaded.stdout.contains("release 0.2.0"), "\(uploaded)")
        let twice = try await bed.outpostctl(["release", "upload", good.file], token: hub.token)
        #expect(twice.exitStatus != 0 && twice.stderr.contains("(409)"), "\(twice)")
        let listed = try await bed.outpostctl(["release", "list"], token: operatorToken)
        #expect(listed.stdout.contains("0.2.0 \(ReleaseInstaller.thisArchitecture) \(agentBinary.count) bytes"))

        // Rolled out: an operator may not; an admin may. The agent dies half-way (the fault).
        let refusedRollout = try await bed.outpostctl(
            ["release", "rollout", "0.2.0", "--gateways", "gw-ota"], token: operatorToken)
        #expect(refusedRollout.exitStatus != 0 && refusedRollout.stderr.contains("(403)"), "\(refusedRollout)")
        let started = try await bed.outpostctl(
            ["release", "rollout", "0.2.0", "--gateways", "gw-ota", "--trial", "60s"], token: hub.token)
        #expect(started.exitStatus == 0 && started.stdout.contains("rollout 1 started"), "\(started)")
        let killed = try await bed.end(stop: false)
        #expect(
            killed?.exitStatus == 128 + SIGKILL, "killed half-way through the download: \(String(describing: killed))")
        let kept = try #require(bed.partialSize)
        #expect(kept > Int64(agentBinary.count) / 2 - 1_048_576 && kept < Int64(agentBinary.count), "\(kept)")

        // Started again: the download resumes where the file ends, the release is installed, the
        // agent starts it on trial in place, and it confirms itself.
        try bed.start()
        #expect(
            await eventually(timeout: .seconds(180)) {
                let release = bed.release()
                return release["running"] as? String == "0.2.0" && release["trial"] is NSNull
            }, "\(bed.release()) \(bed.agent?.currentStderr() ?? "")")
        let log = bed.agent?.currentStderr() ?? ""
        #expect(log.contains("resuming its download") && log.contains("received=\(kept)"), "\(log)")
        #expect(log.contains("release installed; restarting into it"))
        #expect(
            await eventually(timeout: .seconds(60)) { (try? bed.gateway())?["agent_version"] as? String == "0.2.0" })
        #expect(
            await eventually(timeout: .seconds(30)) { (try? bed.rollout(1))?["state"] as? String == "done" },
            "\(String(describing: try? bed.rollout(1)))")
        #expect(((try bed.rollout(1))["targets"] as? [[String: Any]])?.first?["state"] as? String == "applied")

        // A release that exits at start: fetched whole, then SIGKILL before it is checked; started
        // again, the agent finds the whole file, checks it, starts it on trial, rolls back to 0.2.0,
        // and the rollout halts with the gateway's reason.
        _ = try await bed.end(stop: true)
        try bed.start(fault: "release-downloaded")
        #expect(await eventually(timeout: .seconds(60)) { bed.release()["running"] as? String == "0.2.0" })
        let crashing = try bed.release(Array("#!/bin/sh\nexit 3\n".utf8), version: "0.3.0", name: "crashing")
        #expect(try await bed.outpostctl(["release", "upload", crashing.file], token: hub.token).exitStatus == 0)
        let rollout = try await bed.outpostctl(
            ["release", "rollout", "0.3.0", "--gateways", "gw-ota", "--trial", "60s"], token: hub.token)
        #expect(rollout.exitStatus == 0, "\(rollout)")
        let dead = try await bed.end(stop: false)
        #expect(dead?.exitStatus == 128 + SIGKILL, "the running release (0.2.0, in place of its launcher) was killed")
        #expect(bed.partialSize == Int64(readFileBytes(crashing.file).count), "whole, not yet checked")
        try bed.start()
        #expect(
            await eventually(timeout: .seconds(120)) { (try? bed.rollout(2))?["state"] as? String == "halted" },
            "\(String(describing: try? bed.rollout(2)))")
        let target = ((try bed.rollout(2))["targets"] as? [[String: Any]])?.first ?? [:]
        #expect(target["state"] as? String == "failed")
        #expect(
            (target["detail"] as? String)?.hasPrefix("rolled_back: it exited with status 3") == true, "\(target)")
        #expect(bed.agent?.currentStderr().contains("release offered; resuming its download") == true)
        let after = bed.release()
        #expect(
            after["running"] as? String == "0.2.0" && after["failed"] as? String == "0.3.0"
                && after["outcome"] as? String == "rolled_back", "\(after)")
        #expect(await eventually { (try? bed.gateway())?["agent_version"] as? String == "0.2.0" })

        // Every batch the outbox sealed reached the hub, once.
        _ = try await bed.end(stop: true)
        let statistics = try OutboxVerification.statistics(path: bed.folder.path + "/data/outbox.db")
        #expect(statistics.unsentBatches == 0, "\(statistics)")
        let applied = try await DatabaseQueue(path: hub.folder.path + "/data/hub.db").read { db in
            try Int64.fetchAll(db, sql: "SELECT sequence FROM applied_batches WHERE gateway = 'gw-ota' ORDER BY 1")
        }
        #expect(
            applied == Array(1..<Int64(statistics.nextSequence)), "\(applied.count) of \(statistics.nextSequence - 1)")

        // The audit log names each upload and rollout.
        let audit = try hub.call("GET", "/api/v1/audit", bearer: hub.token).json["entries"] as? [[String: Any]] ?? []
        let actions = audit.compactMap { $0["action"] as? String }
        #expect(
            actions.filter { $0 == "release.upload" }.count == 2 && actions.filter { $0 == "rollout.start" }.count == 2)
    }
}
