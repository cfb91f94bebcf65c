import OutpostAgent
import OutpostBench
import OutpostMQTT
import OutpostProvisioning
import OutpostSigning
import OutpostTestSupport
import OutpostWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Agent releases on the real `outpost-agent` binary, restarted as systemd would
/// (`Restart=always`), against a real broker, the simulator and the acknowledging peer: a good
/// release kept, bad ones rolled back by the packaged launcher, forged, damaged and older ones
/// refused, and SIGKILL at every step of installing and starting one.
@Suite("Agent releases: install, trial, rollback", .serialized, Requires.installed(Broker.isAvailable, "mosquitto"))
struct ReleaseUpdateTests {
    /// A gateway: its configuration, the release key, a broker, a device and the peer.
    final class Gateway {
        let folder: TemporaryFolder
        let config: String
        let releaseKey: (privatePEM: String, publicPEM: String)
        let signer: ReleaseSigner
        let broker: Broker
        let simulator: ChildProcess
        let peer: AcknowledgingPeer
        let releases: ReleaseFolder
        var agent: ChildProcess?
        var runs: [ChildProcess.Outcome] = []

        init() throws {
            folder = try TemporaryFolder()
            broker = try Broker(tls: false)
            let (sim, url) = try Peers.simulator(["--profile", "xy-md02"])
            simulator = sim
            releaseKey = ReleaseSigner.newKey()
            signer = try ReleaseSigner(privateKeyPEM: releaseKey.privatePEM)
            let publicKey = folder.write(Array(releaseKey.publicPEM.utf8), to: "release.pem")
            let identity = try GatewayIdentity.generate(gatewayID: "gw-rel")
            let key = folder.write(Array(identity.privateKeyPEM.utf8), to: "signing.key")
            config = folder.write(
                Array(
                    """
                    [gateway]
                    id = "gw-rel"
                    data_dir = "\(folder.path)/data"

                    [uplink]
                    broker = "mqtt://127.0.0.1:\(broker.port)"
                    signing_key = "\(key)"
                    release_key = "\(publicKey)"
                    batch_max_age = "300ms"
                    ack_timeout = "2s"

                    [buffer]
                    commit_interval = "100ms"

                    [[modbus]]
                    name = "room"
                    url = "\(url)"
                    profile = "xy-md02"
                    interval = "100ms"
                    timeout = "50ms"
                    """.utf8), to: "agent.toml")
            releases = ReleaseFolder(dataDirectory: folder.path + "/data")
            let peer = try AcknowledgingPeer(
                port: broker.port,
                verifier: GatewayKeyVerifier(gateway: "gw-rel", publicKeyPEM: identity.publicKeyPEM))
            self.peer = peer
            Task { await peer.run() }
        }

        deinit {
            agent?.send(SIGKILL)
            peer.stop()
            simulator.terminate()
        }

        /// Starts the packaged agent, as systemd does; `fault` names a point to die at.
        func start(fault: String? = nil) throws {
            agent = try ChildProcess.packagedAgent(config: config, fault: fault)
        }

        /// Stops it (SIGTERM, as `systemctl stop`), keeping what it did.
        func stop() async throws {
            guard let agent else { return }
            agent.send(SIGTERM)
            runs.append(try await agent.finished(timeout: .seconds(60)))
            self.agent = nil
        }

        /// Kills it, as a power cut would (its release on trial follows it).
        func kill() async throws {
            guard let agent else { return }
            agent.send(SIGKILL)
            runs.append(try await agent.finished(timeout: .seconds(30)))
            self.agent = nil
        }

        /// Waits for the current process to exit on its own.
        func exited(within timeout: Duration) async throws -> ChildProcess.Outcome? {
            guard let agent else { return nil }
            let outcome = try? await agent.finished(timeout: timeout)
            if let outcome {
                runs.append(outcome)
                self.agent = nil
            }
            return outcome
        }

        var state: ReleaseState { releases.load().state }

        /// Readings the peer applied.
        var applied: Int { peer.state.withLock { $0.readingCount } }

        /// True once the peer applies more readings than `count`.
        func delivers(beyond count: Int, timeout: Duration = .seconds(60)) async -> Bool {
            await eventually(timeout: timeout) { applied > count + 10 }
        }

        /// Every batch the outbox sealed reached the peer, and no reading arrived twice.
        func expectEveryBatchOnce() throws {
            let statistics = try OutboxVerification.statistics(path: folder.path + "/data/outbox.db")
            let (sequences, series) = peer.state.withLock { ($0.sequences, $0.readings) }
            #expect(statistics.unsentBatches == 0, "\(statistics)")
            let expected = Set((1..<statistics.nextSequence).map { "gw-rel/\($0)" })  // sequences start at 1
            #expect(sequences == expected, "missing: \(expected.subtracting(sequences).sorted().prefix(10))")
            for (name, samples) in series {
                #expect(Set(samples.map(\.timestamp)).count == samples.count, "\(name) has a reading twice")
            }
        }

        /// A release file signed as `version` for this machine's architecture.
        func release(
            _ bytes: [UInt8], version: String, name: String, by signer: ReleaseSigner? = nil,
            architecture: String = ReleaseInstaller.thisArchitecture
        ) throws -> (
            manifest: String, file: String
        ) {
            let file = folder.write(bytes, to: name)
            let measured = try ReleaseFile.measure(file)
            let manifest = ReleaseManifest(
                version: try #require(ReleaseVersion(version)), architecture: architecture,
                file: name, size: measured.size, sha256: measured.sha256, issuedAt: systemWallClock())
            return (folder.write(try (signer ?? self.signer).sign(manifest), to: name + ".manifest"), file)
        }

        /// `outpost-agent release install` as a technician runs it.
        func install(_ release: (manifest: String, file: String), trial: Int = 30, fault: String? = nil) async throws
            -> ChildProcess.Outcome
        {
            var environment: [String: String] = [:]
            environment["OUTPOST_FAULT_AT"] = fault
            return try await ChildProcess(
                Binaries.path("outpost-agent"),
                ["release", "install", release.manifest, release.file, "--config", config, "--trial", "\(trial)"],
                environment: environment
            ).finished(timeout: .seconds(60))
        }
    }

    /// A script that stands for a broken release: it exits at once, or hangs.
    static func script(_ body: String) -> [UInt8] { Array("#!/bin/sh\n\(body)\n".utf8) }

    @Test(
        "A good release is kept; one that exits at start and one that never confirms are rolled back; forged, damaged, older and foreign ones refused; every batch delivered once"
    )
    func releases() async throws {
        let gateway = try Gateway()
        try gateway.start()
        #expect(await gateway.delivers(beyond: 0), "the packaged agent delivers")

        // Refused before anything changes: each leaves the packaged version running.
        let agentBinary = readFileBytes(Binaries.path("outpost-agent"))
        let forged = try gateway.release(
            agentBinary, version: "0.2.0", name: "forged", by: ReleaseSigner.generate())
        let refusedForged = try await gateway.install(forged)
        #expect(refusedForged.exitStatus == 1 && refusedForged.stderr.contains("not signed by the release key"))
        let older = try gateway.release(agentBinary, version: "0.0.9", name: "older")
        let refusedOlder = try await gateway.install(older)
        #expect(refusedOlder.exitStatus == 1 && refusedOlder.stderr.contains("is not newer than 0.1.0"))
        var damaged = try gateway.release(agentBinary, version: "0.2.0", name: "damaged")
        var bytes = agentBinary
        bytes[bytes.count / 3] ^= 0xFF
        damaged.file = gateway.folder.write(bytes, to: "damaged")
        let refusedDamaged = try await gateway.install(damaged)
        #expect(refusedDamaged.exitStatus == 1 && refusedDamaged.stderr.contains("SHA-256"), "\(refusedDamaged)")
        let foreign = try gateway.release(
            agentBinary, version: "0.2.0", name: "foreign",
            architecture: ReleaseInstaller.thisArchitecture == "arm64" ? "amd64" : "arm64")
        let refusedForeign = try await gateway.install(foreign)
        #expect(
            refusedForeign.exitStatus == 1 && refusedForeign.stderr.contains("this gateway is"), "\(refusedForeign)")
        let unsigned = (gateway.folder.write(Array("{}".utf8), to: "unsigned.manifest"), damaged.file)
        #expect(try await gateway.install(unsigned).exitStatus == 1)
        #expect(gateway.state.active == nil && gateway.state.failed?.outcome == "refused")

        // Exits at start: the launcher sees it die unconfirmed and runs the packaged version.
        let crashing = try gateway.release(Self.script("exit 3"), version: "0.2.0", name: "crashing")
        #expect(try await gateway.install(crashing).exitStatus == 0)
        try await gateway.stop()
        var before = gateway.applied
        try gateway.start()
        #expect(
            await eventually { gateway.state.failed?.outcome == "rolled_back" },
            "\(gateway.state) \(gateway.agent?.currentStderr() ?? "")")
        #expect(gateway.state.failed?.reason.contains("exited with status 3 before it was confirmed") == true)
        #expect(gateway.state.active == nil)
        #expect(await gateway.delivers(beyond: before), "the packaged version runs again")
        // The same version again is refused: it was rolled back here.
        let again = try await gateway.install(crashing)
        #expect(again.exitStatus == 1 && again.stderr.contains("was rolled back on this gateway"), "\(again)")

        // Hangs (never connects, never confirms): stopped when its 5 s trial runs out.
        let hanging = try gateway.release(Self.script("exec sleep 600"), version: "0.2.1", name: "hanging")
        #expect(try await gateway.install(hanging, trial: 5).exitStatus == 0)
        try await gateway.stop()
        before = gateway.applied
        try gateway.start()
        #expect(await eventually { gateway.state.failed?.version == "0.2.1" }, "\(gateway.state)")
        #expect(gateway.state.failed?.reason.contains("not confirmed within 5 s") == true, "\(gateway.state)")
        #expect(await gateway.delivers(beyond: before), "the packaged version runs again")

        // A good release: this agent, as 0.3.0. It confirms itself and is kept.
        let good = try gateway.release(agentBinary, version: "0.3.0", name: "outpost-agent")
        let installed = try await gateway.install(good)
        #expect(installed.exitStatus == 0 && installed.stdout.contains("release 0.3.0 in slot a"), "\(installed)")
        try await gateway.stop()
        before = gateway.applied
        try gateway.start()
        #expect(
            await eventually(timeout: .seconds(60)) { gateway.state.trial == nil && gateway.state.active != nil },
            "\(gateway.state) \(gateway.agent?.currentStderr() ?? "")")
        #expect(gateway.state.active == ReleaseState.Installed(slot: "a", version: "0.3.0"))
        #expect(await gateway.delivers(beyond: before))
        // What the hub hears: the status names the release's version and that it runs it.
        let watcher = try MQTTClient(.init(host: "127.0.0.1", port: gateway.broker.port, clientID: "status-watch"))
        defer { watcher.shutdown() }
        try watcher.connect(host: "127.0.0.1", port: gateway.broker.port, keepalive: 5)
        #expect(await firstElement(of: watcher.events, within: .seconds(20)) { $0 == .connected } != nil)
        try watcher.subscribe(GatewayTopics(gateway: "gw-rel").status)
        let reported = await firstElement(of: watcher.events, within: .seconds(60)) { event in
            guard case .message(_, let payload) = event, let status = try? StatusDocument(json: payload) else {
                return false
            }
            return status.version == "0.3.0" && status.release?.running == "0.3.0" && status.release?.trial == nil
        }
        #expect(reported != nil, "the status never said 0.3.0 runs")
        // Started again: confirmed, it replaces the launcher (no trial, no child).
        try await gateway.stop()
        before = gateway.applied
        try gateway.start()
        #expect(await gateway.delivers(beyond: before))
        #expect(gateway.state.active?.version == "0.3.0" && gateway.state.trial == nil)
        try await gateway.stop()

        // Every sealed batch reached the peer, none of them twice in what it applied.
        let verify = try await ChildProcess.running(
            Binaries.path("outpost-agent"), ["verify", "--config", gateway.config])
        #expect(verify.exitStatus == 0, "\(verify)")
        try gateway.expectEveryBatchOnce()
    }
}

extension ReleaseUpdateTests {
    @Test(
        "SIGKILL at each step of installing and starting a release: the gateway comes back on one complete, verified version every time, every batch delivered once"
    )
    func powerCuts() async throws {
        let gateway = try Gateway()
        try gateway.start()
        #expect(await gateway.delivers(beyond: 0))
        let binary = readFileBytes(Binaries.path("outpost-agent"))
        func restarted(fault: String? = nil) async throws -> Bool {
            try await gateway.kill()
            let before = gateway.applied
            try gateway.start(fault: fault)
            if fault != nil { return true }
            return await gateway.delivers(beyond: before)
        }

        // Cut while copying into the slot, and after the copy is checked but before the switch:
        // the pointer has not moved, the packaged version runs.
        for (fault, version) in [("release-copied", "0.2.0"), ("release-staged", "0.2.1")] {
            let release = try gateway.release(binary, version: version, name: "agent-\(version)")
            let cut = try await gateway.install(release, fault: fault)
            #expect(cut.exitStatus == 137, "\(fault): \(cut)")
            #expect(gateway.state.active == nil, "\(fault): \(gateway.state)")
            #expect(try await restarted(), "\(fault): the packaged version delivers after the cut")
        }

        // Cut right after the switch: the release starts on trial at the next start and is kept.
        let kept = try gateway.release(binary, version: "0.4.0", name: "agent-0.4.0")
        #expect(try await gateway.install(kept, fault: "release-switched").exitStatus == 137)
        #expect(gateway.state.active?.version == "0.4.0" && gateway.state.trial?.starts == 0)
        #expect(try await restarted())
        #expect(await eventually(timeout: .seconds(60)) { gateway.state.trial == nil }, "\(gateway.state)")
        #expect(gateway.state.active == ReleaseState.Installed(slot: "a", version: "0.4.0"))

        // Cut twice just after a start was counted (before the release ran): the third start gives
        // it up, and 0.4.0, the version before it, runs.
        let cutShort = try gateway.release(binary, version: "0.5.0", name: "agent-0.5.0")
        #expect(try await gateway.install(cutShort).exitStatus == 0)
        for start in 1...2 {
            _ = try await restarted(fault: "release-start-counted")
            #expect(try await gateway.exited(within: .seconds(30))?.exitStatus == 137)
            #expect(gateway.state.trial?.starts == start, "\(gateway.state)")
        }
        #expect(try await restarted())
        #expect(
            await eventually { gateway.state.active == ReleaseState.Installed(slot: "a", version: "0.4.0") },
            "\(gateway.state)")
        #expect(gateway.state.failed?.reason.contains("started 2 times without being confirmed") == true)

        // Killed at its first start (the release itself, not the launcher): rolled back at once.
        let killed = try gateway.release(binary, version: "0.6.0", name: "agent-0.6.0")
        #expect(try await gateway.install(killed).exitStatus == 0)
        #expect(try await restarted(fault: "release-first-start"))
        #expect(await eventually { gateway.state.failed?.version == "0.6.0" }, "\(gateway.state)")
        #expect(gateway.state.failed?.reason.contains("killed by signal 9") == true, "\(gateway.state)")
        #expect(gateway.state.active == ReleaseState.Installed(slot: "a", version: "0.4.0"))
        let before = gateway.applied
        #expect(await gateway.delivers(beyond: before), "0.4.0 runs again")
        try await gateway.stop()

        try gateway.expectEveryBatchOnce()
    }
}
