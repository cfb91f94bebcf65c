/// Upper bounds the decoder enforces before it allocates anything for a frame.
///
/// The defaults fit a gateway that sends a day of 1 Hz readings of a few hundred series in one
/// frame; a hub that takes frames from untrusted networks may lower them.
package struct FrameLimits: Sendable, Hashable {
    /// The largest frame accepted, in bytes. Default 16 MiB.
    package var maxFrameBytes: Int
    /// The most series a frame's dictionary may hold. Default 10,000.
    package var maxSeries: Int
    /// The most chunks a frame may hold. Default 100,000.
    package var maxChunks: Int
    /// The most samples one chunk may hold. Default 1,000,000.
    package var maxSamplesPerChunk: Int
    /// The most samples a whole frame may hold. Default 20,000,000.
    package var maxSamplesPerFrame: Int
    /// The longest series name, in UTF-8 bytes. Default 256.
    package var maxNameBytes: Int
    /// The longest unit, in UTF-8 bytes. Default 32.
    package var maxUnitBytes: Int
    /// The longest gateway id, in UTF-8 bytes. Default 128.
    package var maxGatewayIDBytes: Int

    /// Creates limits; every parameter defaults to the documented default.
    package init(
        maxFrameBytes: Int = 16 << 20, maxSeries: Int = 10_000, maxChunks: Int = 100_000,
        maxSamplesPerChunk: Int = 1_000_000, maxSamplesPerFrame: Int = 20_000_000, maxNameBytes: Int = 256,
        maxUnitBytes: Int = 32, maxGatewayIDBytes: Int = 128
    ) {
        self.maxFrameBytes = maxFrameBytes
        self.maxSeries = maxSeries
        self.maxChunks = maxChunks
        self.maxSamplesPerChunk = maxSamplesPerChunk
        self.maxSamplesPerFrame = maxSamplesPerFrame
        self.maxNameBytes = maxNameBytes
        self.maxUnitBytes = maxUnitBytes
        self.maxGatewayIDBytes = maxGatewayIDBytes
    }

    /// The defaults.
    package static let `default` = FrameLimits()
}
