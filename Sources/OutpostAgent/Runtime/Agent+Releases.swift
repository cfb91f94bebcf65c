import Logging
import OutpostSigning
import OutpostSystem
import OutpostWire

extension Agent {
    /// The downloader of releases the hub offers: only with a fleet key (to check offers) and a
    /// release key (to check what they offer).
    static func makeDownloader(_ configuration: AgentConfiguration, fleet: FleetVerifier?, logger: Logger) throws
        -> ReleaseDownloader?
    {
        guard let fleet, let verifier = try configuration.releaseVerifier(),
            let packaged = ReleaseVersion(OutpostVersion.current)
        else { return nil }
        let folder = ReleaseFolder(dataDirectory: configuration.gateway.dataDirectory)
        return ReleaseDownloader(
            gateway: configuration.gateway.id, folder: folder, fleet: fleet,
            installer: ReleaseInstaller(
                folder: folder, verifier: verifier, packaged: packaged, architecture: ReleaseInstaller.thisArchitecture),
            logger: logger)
    }

    /// Asks the hub for the offered release a window at a time, within the uplink's bandwidth
    /// cap and data budget, and once it is whole installs it and stops the agent, which then
    /// starts again through the launcher (`restartIntoRelease`). Ends only when cancelled, so
    /// the agent's stop waits for the final commit.
    func fetchReleases(_ downloader: ReleaseDownloader, until stopping: StopFlag) async {
        let window = Self.releaseWindow(bandwidthLimit: configuration.uplink.bandwidthLimit)
        while !Task.isCancelled {
            if !stopping.isSet {
                if downloader.isComplete {
                    let installed = downloader.install()
                    if installed {
                        restartIntoRelease.store(true, ordering: .relaxed)
                        stopping.set()
                    }
                    // The hub hears of an install or a refusal at once; a release waiting for
                    // another's trial to end changes nothing worth a status.
                    if installed || !downloader.isComplete { uplink.publishStatusSoon() }
                } else if let request = downloader.nextRequest(window: window), uplink.requestRelease(request) {
                    downloader.asked(request)
                }
            }
            do {
                // Windows follow each other closely while a download runs; otherwise an offer
                // is looked for twice a second.
                try await Task.sleep(for: .milliseconds(downloader.isDownloading ? 10 : 500))
            } catch {
                return
            }
        }
    }

    /// The bytes asked for at once: 1 MiB, or two seconds of a bandwidth cap (at least 4 KiB),
    /// so a capped link is never handed much more than it was given.
    static func releaseWindow(bandwidthLimit: Int64?) -> Int64 {
        let chunks = Int64(ReleaseDownloader.windowChunks * ReleaseOffer.defaultChunkSize)
        guard let rate = bandwidthLimit else { return chunks }
        return min(chunks, max(4096, rate.multipliedSaturating(by: 2)))
    }
}
