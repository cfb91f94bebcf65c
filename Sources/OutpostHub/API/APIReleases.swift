extension API {
    /// One release file the hub holds.
    package struct Release: Encodable, Sendable {
        package var version, architecture, sha256, author: String
        package var size, uploadedAt: Int64
        enum CodingKeys: String, CodingKey {
            case version, architecture, sha256, author, size
            case uploadedAt = "uploaded_at"
        }

        package init(_ release: StoredRelease) {
            (version, architecture, sha256, author) = (
                release.version, release.architecture, release.sha256, release.author
            )
            (size, uploadedAt) = (release.size, release.uploadedAt)
        }

        static var example: Self {
            Self(
                StoredRelease(
                    version: "0.2.0", architecture: "arm64", manifest: "", size: 61_234_567,
                    sha256: String(repeating: "ab", count: 32), chunkSize: 65536, uploadedAt: 1, author: "admin"))
        }
    }

    /// `GET /api/v1/releases`: newest upload first.
    package struct ReleaseList: APIDocument {
        package static let schema = "ReleaseList"
        package var releases: [Release]
        package static var examples: [Self] { [Self(releases: [.example]), Self(releases: [])] }
    }

    /// `POST /api/v1/releases`.
    package struct ReleaseUploaded: APIDocument {
        package static let schema = "ReleaseUploaded"
        package var release: Release
        package static var examples: [Self] { [Self(release: .example)] }
    }
}
