import Logging
import OutpostSigning
import OutpostSystem
import OutpostTestSupport
import OutpostWire
import Testing

@testable import OutpostAgent

/// The agent's side of a release download, fed as the broker would feed it: offers checked
/// twice (the fleet key, the release key), chunks kept only where the file ends, a download
/// resumed from what is on disk, a damaged file fetched again once and then refused.
@Suite("Release downloads: offers refused or taken, chunks kept in order, resumed, checked")
struct ReleaseDownloaderTests {
    /// A gateway's release folder with a downloader, and the keys that sign for it.
    struct Setup {
        let folder: TemporaryFolder
        let fleet = FleetSigner.generate()
        let release = ReleaseSigner.generate()
        let downloader: ReleaseDownloader
        let releases: ReleaseFolder

        init() throws {
            folder = try TemporaryFolder()
            releases = ReleaseFolder(dataDirectory: folder.path + "/data")
            downloader = try Self.downloader(in: releases, fleet: fleet, release: release)
        }

        static func downloader(in releases: ReleaseFolder, fleet: FleetSigner, release: ReleaseSigner) throws
            -> ReleaseDownloader
        {
            let installer = ReleaseInstaller(
                folder: releases, verifier: try ReleaseVerifier(publicKeyPEM: release.publicKeyPEM),
                packaged: try #require(ReleaseVersion("0.1.0")), architecture: ReleaseInstaller.thisArchitecture)
            return ReleaseDownloader(
                gateway: "gw-dl", folder: releases, fleet: try FleetVerifier(publicKeyPEM: fleet.publicKeyPEM),
                installer: installer, logger: Logger(label: "test"))
        }

        /// A signed manifest of `bytes` as `version`.
        func manifest(
            _ bytes: [UInt8], version: String, by signer: ReleaseSigner? = nil,
            architecture: String = ReleaseInstaller.thisArchitecture
        ) throws -> String {
            let manifest = ReleaseManifest(
                version: try #require(ReleaseVersion(version)), architecture: architecture, file: "outpost-agent",
                size: Int64(bytes.count), sha256: ReleaseFile.sha256(bytes), issuedAt: systemWallClock())
            return String(decoding: try (signer ?? release).sign(manifest), as: UTF8.self)
        }

        /// The offer as the hub publishes it on `gateway`'s release topic, signed by `by`.
        func offer(
            _ manifests: [String], version: String, gateway: String = "gw-dl", topicGateway: String = "gw-dl",
            by signer: FleetSigner? = nil
        ) throws -> [UInt8] {
            let offer = ReleaseOffer(
                gateway: gateway, version: version, issuedAt: systemWallClock(), manifests: manifests,
                trialSeconds: 30)
            let topic = GatewayTopics(gateway: topicGateway).release
            return try (signer ?? fleet).sign(offer, topic: topic)
        }

        func chunk(_ bytes: [UInt8], version: String, at offset: Int, count: Int) -> [UInt8] {
            ReleaseChunk(
                version: version, architecture: ReleaseInstaller.thisArchitecture, offset: Int64(offset),
                bytes: Array(bytes[offset..<min(bytes.count, offset + count)])
            ).encoded()
        }

        var state: ReleaseState { releases.load().state }
    }

    static let file: [UInt8] = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }

    @Test(
        "Offers a gateway must not take: forged, another gateway's, older, signed by another release key, another architecture"
    )
    func refusals() throws {
        let setup = try Setup()
        let good = try setup.manifest(Self.file, version: "0.2.0")
        setup.downloader.receiveOffer(try setup.offer([good], version: "0.2.0", by: FleetSigner.generate()))
        #expect(setup.downloader.progress.refusal?.contains("not signed by this fleet's key") == true)
        setup.downloader.receiveOffer(try setup.offer([good], version: "0.2.0", topicGateway: "gw-other"))
        #expect(setup.downloader.progress.refusal?.contains("not signed by this fleet's key") == true, "wrong topic")
        setup.downloader.receiveOffer(try setup.offer([good], version: "0.2.0", gateway: "gw-other"))
        #expect(setup.downloader.progress.refusal?.contains("for gateway 'gw-other'") == true)
        setup.downloader.receiveOffer(Array("{\"payload\":".utf8))
        #expect(setup.downloader.nextRequest(window: 65_536) == nil, "nothing taken from any of them")
        #expect(setup.state == ReleaseState(), "and nothing recorded as this gateway's own refusal")

        let older = try setup.manifest(Self.file, version: "0.0.9")
        setup.downloader.receiveOffer(try setup.offer([older], version: "0.0.9"))
        #expect(setup.state.failed?.reason.contains("is not newer than 0.1.0") == true, "\(setup.state)")
        let stranger = try setup.manifest(Self.file, version: "0.2.1", by: ReleaseSigner.generate())
        setup.downloader.receiveOffer(try setup.offer([stranger], version: "0.2.1"))
        #expect(setup.state.failed?.reason.contains("signed by the release key") == true, "\(setup.state)")
        let foreign = try setup.manifest(
            Self.file, version: "0.2.2",
            architecture: ReleaseInstaller.thisArchitecture == "arm64" ? "amd64" : "arm64")
        setup.downloader.receiveOffer(try setup.offer([foreign], version: "0.2.2"))
        #expect(
            setup.state.failed == .init(version: "0.2.2", outcome: "refused", reason: setup.state.failed?.reason ?? ""))
        let mislabelled = try setup.manifest(Self.file, version: "0.2.3")
        setup.downloader.receiveOffer(try setup.offer([mislabelled], version: "0.2.4"))
        #expect(setup.state.failed?.reason == "the offer's manifest is for another version")
        #expect(setup.downloader.nextRequest(window: 65_536) == nil)
        // Refused once, not again: the same offer retained and sent at each reconnect is ignored.
        setup.downloader.receiveOffer(try setup.offer([mislabelled], version: "0.2.4"))
        #expect(setup.downloader.nextRequest(window: 65_536) == nil)
    }

    @Test(
        "Chunks are kept only where the file ends; the download resumes from disk; the whole file is installed on trial"
    )
    func download() throws {
        let setup = try Setup()
        let offer = try setup.offer(
            [
                try setup.manifest([1, 2, 3], version: "0.2.0", architecture: "riscv64"),
                try setup.manifest(Self.file, version: "0.2.0"),
            ], version: "0.2.0")
        setup.downloader.receiveOffer(offer)
        let first = try #require(setup.downloader.nextRequest(window: 100_000))
        #expect(
            first
                == ReleaseRequest(
                    version: "0.2.0", architecture: ReleaseInstaller.thisArchitecture, offset: 0, length: 100_000))
        setup.downloader.asked(first)
        #expect(setup.downloader.nextRequest(window: 100_000) == nil, "one window at a time")
        #expect(
            setup.downloader.nextRequest(window: 100_000, now: .now + .seconds(21))?.offset == 0,
            "a window unanswered for 20 s is asked for again")
        // Out of order, twice, another version's, garbage: none of it kept.
        setup.downloader.receiveChunk(setup.chunk(Self.file, version: "0.2.0", at: 65_536, count: 34_464))
        setup.downloader.receiveChunk(setup.chunk(Self.file, version: "0.3.0", at: 0, count: 65_536))
        setup.downloader.receiveChunk([0x4F, 0x52, 0x43])
        #expect(setup.downloader.progress.download?.received == 0)
        setup.downloader.receiveChunk(setup.chunk(Self.file, version: "0.2.0", at: 0, count: 65_536))
        setup.downloader.receiveChunk(setup.chunk(Self.file, version: "0.2.0", at: 0, count: 65_536))
        setup.downloader.receiveChunk(setup.chunk(Self.file, version: "0.2.0", at: 65_536, count: 34_464))
        #expect(setup.downloader.progress.download == .init(version: "0.2.0", received: 100_000, size: 300_000))
        setup.downloader.asked(first)  // what went out before is still what the file has reached
        #expect(setup.downloader.nextRequest(window: 100_000)?.offset == 100_000)

        // A restart: a new downloader finds 100,000 bytes on disk and asks from there.
        let again = try Setup.downloader(in: setup.releases, fleet: setup.fleet, release: setup.release)
        again.receiveOffer(offer)
        #expect(again.progress.download?.received == 100_000)
        let next = try #require(again.nextRequest(window: 1 << 20))
        #expect(next.offset == 100_000 && next.length == 200_000, "never past the end")
        again.asked(next)
        // A chunk that would run past the release's size is not kept.
        again.receiveChunk(
            ReleaseChunk(
                version: "0.2.0", architecture: ReleaseInstaller.thisArchitecture, offset: 100_000,
                bytes: [UInt8](repeating: 0, count: 200_001)
            ).encoded())
        #expect(again.progress.download?.received == 100_000)
        for offset in stride(from: 100_000, to: 300_000, by: 65_536) {
            again.receiveChunk(setup.chunk(Self.file, version: "0.2.0", at: offset, count: 65_536))
        }
        #expect(again.isComplete && !again.isDownloading)
        #expect(again.install(), "installed: the agent restarts into it")
        #expect(setup.state.active?.version == "0.2.0" && setup.state.trial?.seconds == 30)
        #expect(readFileBytes(setup.releases.binaryPath(try #require(setup.state.active?.slot))) == Self.file)
        #expect((try FileIO.names(in: setup.releases.path + "/download")).isEmpty, "the partial file is gone")
        // Offered again, the version that runs is not downloaded twice.
        again.receiveOffer(offer)
        #expect(again.nextRequest(window: 1 << 20) == nil)
    }

    @Test("A whole file that does not match its manifest is fetched again once, then refused and said so")
    func damaged() throws {
        let setup = try Setup()
        setup.downloader.receiveOffer(
            try setup.offer([try setup.manifest(Self.file, version: "0.2.0")], version: "0.2.0"))
        var damaged = Self.file
        damaged[123_456] ^= 0x40
        for attempt in 1...2 {
            for offset in stride(from: 0, to: damaged.count, by: 65_536) {
                setup.downloader.receiveChunk(setup.chunk(damaged, version: "0.2.0", at: offset, count: 65_536))
            }
            #expect(setup.downloader.isComplete)
            #expect(!setup.downloader.install(), "attempt \(attempt)")
            if attempt == 1 { #expect(setup.downloader.progress.download?.received == 0, "fetched again from 0") }
        }
        #expect(setup.state.active == nil && setup.state.failed?.outcome == "refused")
        #expect(setup.state.failed?.reason.contains("SHA-256") == true, "\(setup.state)")
        #expect(setup.downloader.nextRequest(window: 65_536) == nil)
    }

    @Test("The window: 1 MiB, or two seconds of a bandwidth cap and at least 4 KiB, whatever the cap")
    func window() {
        #expect(Agent.releaseWindow(bandwidthLimit: nil) == 1 << 20)
        #expect(Agent.releaseWindow(bandwidthLimit: 1_000) == 4_096)
        #expect(Agent.releaseWindow(bandwidthLimit: 100_000) == 200_000)
        #expect(Agent.releaseWindow(bandwidthLimit: Int64.max) == 1 << 20, "no overflow")
        #expect(Agent.releaseWindow(bandwidthLimit: 0) == 4_096)
        // A window bigger than a second of the cap goes only when the bucket is full, and the
        // next waits for it to refill: on average the cap holds.
        var budget = ByteBudget(bytesPerSecond: 10_000)
        let start = ContinuousClock.now
        let spent = [0, 1, 2].map { budget.spend(20_000, at: start + .seconds($0)) }
        #expect(spent == [true, false, true], "at 1 s: 10,000 in debt, 10,000 earned, not full")
    }
}
