import Logging
import OutpostSigning
import OutpostSystem
import OutpostWire
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Fetches the release the hub offers (docs/releases.md, "Over the air") through the broker:
/// takes the signed offer from the release topic, checks it (the fleet key for the offer, the
/// release key for the manifest, newer than what runs, this architecture), asks for the bytes a
/// window at a time, appends each chunk at the end of `releases/download/<version>-<arch>.part`
/// only when it starts there (so a restart resumes where the file ends), and once the file is
/// whole hands it to `ReleaseInstaller`. The agent then restarts into the launcher.
package final class ReleaseDownloader: Sendable {
    /// An offer accepted, being downloaded.
    struct Download: Sendable {
        var manifest: ReleaseManifest
        var signed: [UInt8]
        var trialSeconds: Int64
        var path: String
        var received: Int64
        /// The window asked for last: its end and when.
        var asked: (end: Int64, at: ContinuousClock.Instant)?
        /// Whole files that did not match their hash in this run.
        var mismatches = 0
    }

    private struct Inner: Sendable {
        var download: Download?
        /// Why the last offer that could not be opened was refused.
        var refusal: String?
    }

    let gateway: String
    let folder: ReleaseFolder
    let fleet: FleetVerifier
    let installer: ReleaseInstaller
    let logger: Logger
    private let inner = Mutex(Inner())

    /// How long a window may go unanswered before it is asked for again (the hub restarting, a
    /// chunk lost with a connection).
    static let stall: Duration = .seconds(20)
    /// Chunks asked for at once without a bandwidth cap: 1 MiB.
    static let windowChunks = 16

    package init(
        gateway: String, folder: ReleaseFolder, fleet: FleetVerifier, installer: ReleaseInstaller, logger: Logger
    ) {
        (self.gateway, self.folder, self.fleet, self.installer, self.logger) = (
            gateway, folder, fleet, installer, logger
        )
    }

    var downloadFolder: String { folder.path + "/download" }

    /// Takes the payload of the release topic.
    func receiveOffer(_ payload: [UInt8]) {
        guard !payload.isEmpty else { return }  // the hub cleared it
        let topic = GatewayTopics(gateway: gateway).release
        let offer: ReleaseOffer
        do throws(DocumentError) {
            offer = try fleet.open(payload, topic: topic, as: ReleaseOffer.self)
        } catch {
            return refuseOffer("a release offer was refused: \(error.description)")
        }
        guard offer.gateway == gateway else {
            return refuseOffer("a release offer for gateway '\(offer.gateway.prefix(64))', not this one, was refused")
        }
        let (state, _) = folder.load()
        if state.failed?.version == offer.version { return }  // given up already; says so in the status
        let running = state.running(packaged: installer.packaged)
        if running.description == offer.version { return }  // runs it already
        // Each manifest checked once; the first for this architecture is the one.
        guard
            let (bytes, manifest) = offer.manifests.lazy.compactMap({ text -> ([UInt8], ReleaseManifest)? in
                let bytes = Array(text.utf8)
                guard let manifest = try? self.installer.verifier.open(bytes),
                    manifest.architecture == self.installer.architecture
                else { return nil }
                return (bytes, manifest)
            }).first
        else {
            return record(
                offer.version,
                "the offer has no manifest for \(installer.architecture) signed by the release key "
                    + "(\(offer.manifests.count) given)")
        }
        guard manifest.version.description == offer.version else {
            return record(offer.version, "the offer's manifest is for another version")
        }
        if let refusal = installer.verifier.refusal(
            of: manifest, running: running, architecture: installer.architecture)
        {
            return record(offer.version, refusal)
        }
        let path = downloadFolder + "/\(offer.version)-\(installer.architecture).part"
        let started: Int64? = inner.withLock { inner in
            inner.refusal = nil
            guard inner.download?.path != path else { return nil }
            let received = startingSize(of: path, limit: manifest.size)
            inner.download = Download(
                manifest: manifest, signed: bytes, trialSeconds: offer.trialSeconds, path: path, received: received)
            return received
        }
        guard let started else { return }
        logger.notice(
            started > 0 ? "release offered; resuming its download" : "release offered; downloading it",
            metadata: ["version": "\(offer.version)", "size": "\(manifest.size)", "received": "\(started)"])
    }

    /// What is already on disk of `path`, forgetting every other partial download and a file
    /// longer than the release.
    private func startingSize(of path: String, limit: Int64) -> Int64 {
        try? FileIO.makeDirectory(downloadFolder)
        if let names = try? FileIO.names(in: downloadFolder) {
            for name in names where downloadFolder + "/" + name != path { unlink(downloadFolder + "/" + name) }
        }
        let size = FileIO.size(path) ?? 0
        guard size <= limit else {
            unlink(path)
            return 0
        }
        return size
    }

    /// Takes the payload of the release-chunk topic: appended when it is the next part of the
    /// release being downloaded, dropped otherwise (a duplicate, an old window, another release).
    func receiveChunk(_ payload: [UInt8]) {
        guard let chunk = ReleaseChunk(encoded: payload) else { return }
        inner.withLock { inner in
            guard var download = inner.download, chunk.version == download.manifest.version.description,
                chunk.architecture == download.manifest.architecture, chunk.offset == download.received,
                Int64(chunk.bytes.count) <= download.manifest.size - download.received
            else { return }
            do {
                try FileIO.append(chunk.bytes[...], to: download.path)
                let half = download.manifest.size / 2
                if download.received <= half, download.received + Int64(chunk.bytes.count) > half {
                    FaultInjection.crashIfAsked(at: "release-half-downloaded")
                }
                download.received += Int64(chunk.bytes.count)
            } catch {
                logger.error("a release chunk could not be written", metadata: ["error": "\(error)"])
                download.asked = nil  // asked again from where the file ends
                download.received = FileIO.size(download.path) ?? 0
            }
            inner.download = download
        }
    }

    /// The request to send now, if any: the next window once the last one is in (or stalled),
    /// of at most `window` bytes. `asked` records it once it went out.
    func nextRequest(window: Int64, now: ContinuousClock.Instant = .now) -> ReleaseRequest? {
        inner.withLock { inner in
            guard let download = inner.download, download.received < download.manifest.size else { return nil }
            if let asked = download.asked, download.received < asked.end, now - asked.at < Self.stall { return nil }
            let length = min(max(1, window), download.manifest.size - download.received, ReleaseRequest.maxLength)
            return ReleaseRequest(
                version: download.manifest.version.description, architecture: download.manifest.architecture,
                offset: download.received, length: length)
        }
    }

    /// Records that `request` went out.
    func asked(_ request: ReleaseRequest, at now: ContinuousClock.Instant = .now) {
        inner.withLock { inner in
            guard inner.download?.received == request.offset else { return }
            inner.download?.asked = (request.offset + request.length, now)
        }
    }

    /// Whether a release is being downloaded.
    var isDownloading: Bool { inner.withLock { $0.download.map { $0.received < $0.manifest.size } ?? false } }

    /// Whether a whole release is waiting to be installed.
    var isComplete: Bool {
        inner.withLock { $0.download.map { $0.received == $0.manifest.size } ?? false }
    }

    /// Installs the downloaded release; true when the agent should restart into it. A file that
    /// does not match its manifest is downloaded again once, then refused; while another release
    /// is on trial it waits.
    func install() -> Bool {
        guard let download = inner.withLock({ $0.download }), download.received == download.manifest.size else {
            return false
        }
        if folder.load().state.trial != nil { return false }
        FaultInjection.crashIfAsked(at: "release-downloaded")
        if let mismatch = ReleaseFile.mismatch(download.manifest, path: download.path), download.mismatches == 0 {
            logger.warning(
                "the downloaded release does not match its manifest; downloading it again",
                metadata: ["problem": "\(mismatch)"])
            unlink(download.path)
            inner.withLock {
                $0.download?.received = 0
                $0.download?.asked = nil
                $0.download?.mismatches += 1
            }
            return false
        }
        defer {
            unlink(download.path)
            inner.withLock { $0.download = nil }
        }
        do {
            try installer.install(manifest: download.signed, file: download.path, trialSeconds: download.trialSeconds)
            logger.notice(
                "release installed; restarting into it", metadata: ["version": "\(download.manifest.version)"])
            return true
        } catch {
            logger.error("release refused", metadata: ["problem": "\(error)"])
            return false
        }
    }

    /// How far the download is, for the status; and why the last offer was refused.
    var progress: (download: ReleaseStatus.Download?, refusal: String?) {
        inner.withLock { inner in
            (
                inner.download.map {
                    ReleaseStatus.Download(
                        version: $0.manifest.version.description, received: $0.received, size: $0.manifest.size)
                }, inner.refusal
            )
        }
    }

    private func refuseOffer(_ why: String) {
        logger.warning("release offer refused", metadata: ["problem": "\(why)"])
        inner.withLock { $0.refusal = why }
    }

    /// Records `version` as refused for `reason`, in the release state the status shows.
    private func record(_ version: String, _ reason: String) {
        logger.warning("release refused", metadata: ["version": "\(version)", "problem": "\(reason)"])
        var (state, _) = folder.load()
        state.failed = .init(version: version, outcome: RemoteConfigurationStatus.refused, reason: reason)
        do {
            try folder.save(state)
        } catch {
            logger.error("the release state could not be saved", metadata: ["error": "\(error)"])
        }
    }
}
