/// Where a gateway stands with agent releases, in its status document (`release`): the slot's
/// version that runs, one on trial, and the last one refused or rolled back with why. Nil from
/// agents that have never been given a release.
package struct ReleaseStatus: Codable, Sendable, Hashable {
    /// The release that runs; nil: the packaged version (the status's `version`).
    package var running: String?
    /// A release started and not yet confirmed.
    package var trial: String?
    /// The last release refused or rolled back.
    package var failed: String?
    /// `refused` or `rolled_back`.
    package var outcome: String?
    /// Why, in words an operator can act on.
    package var reason: String?
    /// A release being downloaded from the hub, and how far.
    package var download: Download?
    /// Why the last release offer that could not be opened (a bad signature, another gateway's)
    /// was refused.
    package var refusal: String?

    /// How far the download of a release offered by the hub is.
    package struct Download: Codable, Sendable, Hashable {
        package var version: String
        /// Bytes received and kept (they survive a restart).
        package var received: Int64
        package var size: Int64

        package init(version: String, received: Int64, size: Int64) {
            (self.version, self.received, self.size) = (version, received, size)
        }
    }

    package init(
        running: String? = nil, trial: String? = nil, failed: String? = nil, outcome: String? = nil,
        reason: String? = nil, download: Download? = nil, refusal: String? = nil
    ) {
        (self.running, self.trial, self.failed, self.outcome, self.reason) = (running, trial, failed, outcome, reason)
        (self.download, self.refusal) = (download, refusal)
    }
}
