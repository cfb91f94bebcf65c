/// What the hub offers a gateway to update to (docs/releases.md, "Over the air"): a release's
/// version, its signed manifests (one per architecture uploaded; the agent takes its own), how
/// it is cut into chunks and how long the new version has to confirm itself. Sent as a
/// `SignedHubDocument` (fleet key), retained and QoS 1 on the gateway's release topic, so a
/// gateway that is offline gets it when it reconnects:
/// `{"chunk_size":65536,"gateway":"gw-1","issued_at":…,"manifests":["{…}"],"trial_s":600,"version":"0.2.0"}`.
///
/// The fleet key says the hub offers it; each manifest's own signature (the offline release
/// key) says what may run. The agent checks both.
package struct ReleaseOffer: Codable, Sendable, Hashable {
    package var gateway: String
    package var version: String
    package var issuedAt: Int64
    /// Signed manifests (`ReleaseSigner`'s JSON), as text.
    package var manifests: [String]
    /// The size of the chunks the hub sends; a request asks for whole windows of them.
    package var chunkSize: Int
    /// Seconds each start of the new version has to confirm itself.
    package var trialSeconds: Int64

    /// The chunk size the hub uses: small enough for one MQTT message on any broker's defaults,
    /// big enough that headers are 0.05 % of the bytes.
    package static let defaultChunkSize = 64 * 1024
    /// The chunk sizes an offer may name.
    package static let chunkSizes: ClosedRange<Int> = 1024...(1024 * 1024)

    enum CodingKeys: String, CodingKey {
        case gateway, version, manifests
        case issuedAt = "issued_at"
        case chunkSize = "chunk_size"
        case trialSeconds = "trial_s"
    }

    package init(
        gateway: String, version: String, issuedAt: Int64, manifests: [String], chunkSize: Int = Self.defaultChunkSize,
        trialSeconds: Int64 = ConfigurationDocument.defaultTrialSeconds
    ) {
        (self.gateway, self.version, self.issuedAt, self.manifests) = (gateway, version, issuedAt, manifests)
        (self.chunkSize, self.trialSeconds) = (chunkSize, trialSeconds)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        gateway = try container.decode(String.self, forKey: .gateway)
        version = try container.decode(String.self, forKey: .version)
        issuedAt = try container.decode(Int64.self, forKey: .issuedAt)
        manifests = try container.decode([String].self, forKey: .manifests)
        chunkSize = try container.decode(Int.self, forKey: .chunkSize)
        trialSeconds = try container.decode(Int64.self, forKey: .trialSeconds)
        func refuse(_ key: CodingKeys, _ why: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: why)
        }
        guard ReleaseVersion(version) != nil else { throw refuse(.version, ReleaseVersion.form) }
        guard TimeWindow.contains(issuedAt) else { throw refuse(.issuedAt, "outside \(TimeWindow.text)") }
        guard (1...8).contains(manifests.count), manifests.allSatisfy({ $0.utf8.count <= 4096 }) else {
            throw refuse(.manifests, "1-8 manifests of at most 4096 bytes each")
        }
        guard Self.chunkSizes.contains(chunkSize) else {
            throw refuse(.chunkSize, "outside \(Self.chunkSizes.lowerBound)-\(Self.chunkSizes.upperBound) bytes")
        }
        guard ConfigurationDocument.trialRange.contains(trialSeconds) else {
            throw refuse(
                .trialSeconds,
                "outside \(ConfigurationDocument.trialRange.lowerBound)-\(ConfigurationDocument.trialRange.upperBound) s"
            )
        }
    }
}

/// A gateway's request for the next bytes of a release, on its release-get topic (QoS 1):
/// `{"architecture":"arm64","length":262144,"offset":1048576,"version":"0.2.0"}`. The broker's
/// ACL says which gateway asks; the bytes need no more trust than that, since the gateway checks
/// the whole file against its signed manifest.
package struct ReleaseRequest: Codable, Sendable, Hashable {
    package var version: String
    package var architecture: String
    /// The first byte wanted.
    package var offset: Int64
    /// How many bytes from there; the hub sends fewer at the end of the file.
    package var length: Int64

    /// The most one request may ask for: what a hub sends a gateway at once.
    package static let maxLength: Int64 = 1024 * 1024

    package init(version: String, architecture: String, offset: Int64, length: Int64) {
        (self.version, self.architecture, self.offset, self.length) = (version, architecture, offset, length)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(String.self, forKey: .version)
        architecture = try container.decode(String.self, forKey: .architecture)
        offset = try container.decode(Int64.self, forKey: .offset)
        length = try container.decode(Int64.self, forKey: .length)
        guard ReleaseVersion(version) != nil else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container, debugDescription: ReleaseVersion.form)
        }
        guard ReleaseManifest.architectures.contains(architecture) else {
            throw DecodingError.dataCorruptedError(
                forKey: .architecture, in: container, debugDescription: "not an architecture Outpost builds for")
        }
        guard (0..<ReleaseManifest.maxSize).contains(offset) else {
            throw DecodingError.dataCorruptedError(
                forKey: .offset, in: container, debugDescription: "outside 0-\(ReleaseManifest.maxSize - 1)")
        }
        guard (1...Self.maxLength).contains(length) else {
            throw DecodingError.dataCorruptedError(
                forKey: .length, in: container, debugDescription: "outside 1-\(Self.maxLength)")
        }
    }

    /// The JSON form.
    package func encoded() -> [UInt8] { DocumentJSON.encode(self) ?? [] }

    /// Reads the JSON form (at most 1 KiB).
    package init(json: [UInt8]) throws(DocumentError) {
        self = try DocumentJSON.decode(json, maxBytes: 1024, what: "release request")
    }
}

/// Bytes of a release, hub → gateway on its release-chunk topic (QoS 1, not retained), in a
/// binary form so a 64 KiB chunk costs 64 KiB and a few bytes: `ORC1`, the version and the
/// architecture (each a length byte and UTF-8), the offset (8 bytes, big-endian), the bytes.
package struct ReleaseChunk: Sendable, Hashable {
    package var version: String
    package var architecture: String
    package var offset: Int64
    package var bytes: [UInt8]

    static let magic: [UInt8] = Array("ORC1".utf8)

    package init(version: String, architecture: String, offset: Int64, bytes: [UInt8]) {
        (self.version, self.architecture, self.offset, self.bytes) = (version, architecture, offset, bytes)
    }

    /// The binary form.
    package func encoded() -> [UInt8] {
        let version = Array(version.utf8.prefix(255))
        let architecture = Array(architecture.utf8.prefix(255))
        var out = Self.magic
        out.reserveCapacity(out.count + 2 + version.count + architecture.count + 8 + bytes.count)
        out.append(UInt8(version.count))
        out += version
        out.append(UInt8(architecture.count))
        out += architecture
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: offset >> shift)) }
        return out + bytes
    }

    /// Reads the binary form; nil when it is not one (too short, another magic, a length past the
    /// end, a negative offset, no bytes).
    package init?(encoded data: [UInt8]) {
        guard data.count > 4, Array(data[0..<4]) == Self.magic else { return nil }
        var index = 4
        func text() -> String? {
            guard index < data.count else { return nil }
            let count = Int(data[index])
            index += 1
            guard count <= data.count - index else { return nil }
            defer { index += count }
            return String(validating: data[index..<(index + count)], as: UTF8.self)
        }
        guard let version = text(), let architecture = text(), data.count - index > 8 else { return nil }
        var offset: UInt64 = 0
        for byte in data[index..<(index + 8)] { offset = offset << 8 | UInt64(byte) }
        guard offset < UInt64(ReleaseManifest.maxSize) else { return nil }
        self.init(
            version: version, architecture: architecture, offset: Int64(offset), bytes: Array(data[(index + 8)...]))
    }
}
