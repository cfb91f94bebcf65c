import OutpostAgent
import OutpostSigning
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Synchronization
import Testing

/// The launcher's choice on real files, without starting anything: what runs after an apt
/// upgrade, a damaged slot, a missing key, an unreadable pointer, and starts counted on trial.
@Suite("The release launcher's choice")
struct ReleaseLauncherTests {
    /// What a launcher logged.
    final class Lines: Sendable {
        let value = Mutex<[String]>([])
    }

    /// A data folder with a release installed by the real installer, signed by a fresh key.
    struct Installed {
        let folder: TemporaryFolder
        let releases: ReleaseFolder
        let verifier: ReleaseVerifier
        let logged = Lines()

        init(version: String = "0.2.0", packaged: String = "0.1.0") throws {
            folder = try TemporaryFolder()
            releases = ReleaseFolder(dataDirectory: folder.path)
            let signer = ReleaseSigner.generate()
            verifier = try ReleaseVerifier(publicKeyPEM: signer.publicKeyPEM)
            let file = folder.write(Array("#!/bin/sh\nexit 0\n".utf8), to: "agent")
            let measured = try ReleaseFile.measure(file)
            let manifest = ReleaseManifest(
                version: try #require(ReleaseVersion(version)), architecture: ReleaseInstaller.thisArchitecture,
                file: "agent", size: measured.size, sha256: measured.sha256, issuedAt: 1)
            let installer = ReleaseInstaller(
                folder: releases, verifier: verifier, packaged: try #require(ReleaseVersion(packaged)),
                architecture: ReleaseInstaller.thisArchitecture)
            try installer.install(manifest: try signer.sign(manifest), file: file, trialSeconds: 60)
        }

        func launcher(packaged: String = "0.1.0") throws -> ReleaseLauncher {
            let logged = self.logged
            return ReleaseLauncher(
                folder: releases, verifier: verifier, packaged: try #require(ReleaseVersion(packaged)),
                log: { line in logged.value.withLock { $0.append(line) } })
        }
    }

    @Test("On trial, each choice counts a start; past two, the release is given up and the packaged version runs")
    func startsCounted() throws {
        let installed = try Installed()
        let launcher = try installed.launcher()
        #expect(launcher.choose() == .slot("a", onTrial: true))
        #expect(installed.releases.load().state.trial?.starts == 1)
        #expect(launcher.choose() == .slot("a", onTrial: true))
        #expect(launcher.choose() == .packaged)
        let state = installed.releases.load().state
        #expect(state.active == nil && state.trial == nil)
        #expect(state.failed?.reason.contains("started 2 times without being confirmed") == true, "\(state)")
    }

    @Test("A package at least as new as the release wins: the slots are forgotten, the last failure kept")
    func newerPackageWins() throws {
        let installed = try Installed(version: "0.2.0")
        for packaged in ["0.2.0", "0.10.0"] {
            #expect(try installed.launcher(packaged: packaged).choose() == .packaged)
        }
        #expect(installed.releases.load().state == ReleaseState())
        #expect(installed.logged.value.withLock { $0.first?.contains("at least as new as release 0.2.0") == true })
    }

    @Test("A slot that no longer matches its manifest, or whose manifest another key signed, is rolled back, with why")
    func damagedOrUncheckable() throws {
        let damaged = try Installed()
        var bytes = readFileBytes(damaged.releases.binaryPath("a"))
        bytes[0] ^= 0x20
        try FileIO.write(bytes, to: damaged.releases.binaryPath("a"))
        #expect(try damaged.launcher().choose() == .packaged)
        #expect(damaged.releases.load().state.failed?.reason.contains("slot a is damaged") == true)

        let forged = try Installed()
        let other = ReleaseSigner.generate()
        let manifest = try forged.verifier.open(try FileIO.read(forged.releases.manifestPath("a")))
        try FileIO.write(try other.sign(manifest), to: forged.releases.manifestPath("a"))
        #expect(try forged.launcher().choose() == .packaged)
        #expect(forged.releases.load().state.failed?.reason.contains("manifest is refused") == true)
    }

    @Test("A pointer whose start count is Int.max, Int.min or -1: given up at once, never counted past")
    func hostileStartCounts() throws {
        for starts in [Int.max, Int.min, -1, ReleaseState.maxStarts] {
            let installed = try Installed()
            var state = installed.releases.load().state
            state.trial?.starts = starts
            state.trial?.seconds = .min
            try installed.releases.save(state)
            #expect(try installed.launcher().choose() == .packaged, "starts \(starts)")
            #expect(installed.releases.load().state.failed?.outcome == "rolled_back", "starts \(starts)")
        }
    }

    @Test("An unreadable pointer: the packaged version runs, and the reason is logged")
    func unreadablePointer() throws {
        let installed = try Installed()
        for garbage in [Array("{\"active\":".utf8), [], Array(repeating: 0xFF, count: 70_000)] {
            try FileIO.write(garbage, to: installed.releases.statePath)
            #expect(try installed.launcher().choose() == .packaged)
        }
        #expect(installed.logged.value.withLock { $0.contains { $0.contains("state.json is unreadable") } })
    }
}
