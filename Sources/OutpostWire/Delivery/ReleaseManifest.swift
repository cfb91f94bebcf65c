/// What a release is, as its signer vouches for it: a file (the agent's binary or its package)
/// with its version, the architecture it runs on, its size and its SHA-256. Signed with the
/// release key (`outpostctl release sign`), kept offline, not the fleet's CA or the hub's key, as
/// a `SignedHubDocument` over the domain `signingDomain`:
/// `{"architecture":"arm64","file":"outpost-agent","issued_at":…,"sha256":"…","size":61234567,"version":"0.2.0"}`.
///
/// Decoding checks every field's form and range; whether the file matches is `ReleaseFileCheck`.
package struct ReleaseManifest: Codable, Sendable, Hashable {
    /// The release's version.
    package var version: ReleaseVersion
    /// The Debian architecture it was built for: `amd64`, `arm64`, `armhf`.
    package var architecture: String
    /// The file's name as the signer had it (`outpost-agent`, `outpost-agent_0.2.0_arm64.deb`).
    package var file: String
    /// The file's size in bytes.
    package var size: Int64
    /// The file's SHA-256, 64 lower-case hexadecimal digits.
    package var sha256: String
    /// When it was signed, ns since the epoch.
    package var issuedAt: Int64

    /// What the signature covers besides the manifest: no document of another kind signed by the
    /// same key can pass for a manifest.
    package static let signingDomain = "outpost release manifest"
    /// The largest release: the static agent is about 60 MB; four times that is a mistake.
    package static let maxSize: Int64 = 256 * 1024 * 1024
    /// The architectures Debian names that Outpost builds for.
    package static let architectures: Set<String> = ["amd64", "arm64", "armhf", "i386", "riscv64"]

    enum CodingKeys: String, CodingKey {
        case version, architecture, file, size, sha256
        case issuedAt = "issued_at"
    }

    /// A manifest; `init(from:)` holds the same rules for one read back.
    package init(
        version: ReleaseVersion, architecture: String, file: String, size: Int64, sha256: String, issuedAt: Int64
    ) {
        (self.version, self.architecture, self.file) = (version, architecture, file)
        (self.size, self.sha256, self.issuedAt) = (size, sha256, issuedAt)
    }

    /// Why this manifest cannot describe a release, or nil: the rules decoding holds.
    package var problem: String? {
        if !Self.architectures.contains(architecture) {
            return
                "architecture '\(architecture.prefix(40))' is not one of \(Self.architectures.sorted().joined(separator: ", "))"
        }
        if file.isEmpty || file.utf8.count > 255 || file.contains("/") || file.hasPrefix(".")
            || file.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            return "file '\(file.prefix(40))' is not a plain file name (1-255 bytes, no '/', no leading '.')"
        }
        if !(1...Self.maxSize).contains(size) { return "size \(size) is outside 1-\(Self.maxSize) bytes" }
        if sha256.utf8.count != 64
            || !sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        {
            return "sha256 is not 64 lower-case hexadecimal digits"
        }
        if !TimeWindow.contains(issuedAt) { return "issued_at is outside \(TimeWindow.text)" }
        return nil
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .version)
        guard let version = ReleaseVersion(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .version, in: container, debugDescription: ReleaseVersion.form)
        }
        self.init(
            version: version, architecture: try container.decode(String.self, forKey: .architecture),
            file: try container.decode(String.self, forKey: .file),
            size: try container.decode(Int64.self, forKey: .size),
            sha256: try container.decode(String.self, forKey: .sha256),
            issuedAt: try container.decode(Int64.self, forKey: .issuedAt))
        if let problem {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath, debugDescription: problem))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(version.description, forKey: .version)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(file, forKey: .file)
        try container.encode(size, forKey: .size)
        try container.encode(sha256, forKey: .sha256)
        try container.encode(issuedAt, forKey: .issuedAt)
    }
}

/// A release's version, `MAJOR.MINOR.PATCH` (`0.2.0`, `1.10.3`), ordered numerically part by
/// part: a gateway never takes one older than, or the same as, what it runs.
package struct ReleaseVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The three parts.
    package let parts: [UInt32]

    /// What a version looks like, for messages.
    package static let form = "a version is MAJOR.MINOR.PATCH, each part 0-4294967295 without leading zeros"

    /// Reads `0.2.0`; nil for anything else (a fourth part, a sign, a leading zero, a space).
    package init?(_ text: String) {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3 else { return nil }
        var parts: [UInt32] = []
        for piece in pieces {
            guard !piece.isEmpty, piece.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                piece == "0" || !piece.hasPrefix("0"), let value = UInt32(piece)
            else { return nil }
            parts.append(value)
        }
        self.parts = parts
    }

    package var description: String { parts.map(String.init).joined(separator: ".") }

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.parts.lexicographicallyPrecedes(rhs.parts) }
}
