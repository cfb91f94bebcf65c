/// What the hub keeps of agent releases (docs/releases.md), in both stores, so every hub
/// replica sharing a PostgreSQL database serves the same bytes.
///
/// - `releases`: one row per (version, architecture): the signed manifest as uploaded, its size
///   and SHA-256, the chunk size, who uploaded it and when. Never changed once written.
/// - `release_chunks`: the file in `chunk_size` pieces, (version, architecture, index).
/// - `rollouts.release`: the version a rollout sends; NULL for a configuration rollout.
enum ReleaseTables {
    static let sqlite = """
        CREATE TABLE releases (
            version TEXT NOT NULL,
            architecture TEXT NOT NULL,
            manifest TEXT NOT NULL,
            size INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            chunk_size INTEGER NOT NULL,
            uploaded_at INTEGER NOT NULL,
            author TEXT NOT NULL,
            PRIMARY KEY (version, architecture)) WITHOUT ROWID;
        CREATE TABLE release_chunks (
            version TEXT NOT NULL,
            architecture TEXT NOT NULL,
            idx INTEGER NOT NULL,
            bytes BLOB NOT NULL,
            PRIMARY KEY (version, architecture, idx)) WITHOUT ROWID;
        ALTER TABLE rollouts ADD COLUMN release TEXT;
        """

    static let postgres = """
        CREATE TABLE releases (
            version TEXT NOT NULL,
            architecture TEXT NOT NULL,
            manifest TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 TEXT NOT NULL,
            chunk_size BIGINT NOT NULL,
            uploaded_at BIGINT NOT NULL,
            author TEXT NOT NULL,
            PRIMARY KEY (version, architecture));
        CREATE TABLE release_chunks (
            version TEXT NOT NULL,
            architecture TEXT NOT NULL,
            idx BIGINT NOT NULL,
            bytes BYTEA NOT NULL,
            PRIMARY KEY (version, architecture, idx));
        ALTER TABLE rollouts ADD COLUMN release TEXT;
        """
}

/// One release file as the hub keeps it.
package struct StoredRelease: Sendable, Hashable {
    package var version: String
    package var architecture: String
    /// The signed manifest (`ReleaseSigner`'s JSON), as uploaded.
    package var manifest: String
    package var size: Int64
    package var sha256: String
    package var chunkSize: Int
    package var uploadedAt: Int64
    package var author: String

    package init(
        version: String, architecture: String, manifest: String, size: Int64, sha256: String, chunkSize: Int,
        uploadedAt: Int64, author: String
    ) {
        (self.version, self.architecture, self.manifest, self.size) = (version, architecture, manifest, size)
        (self.sha256, self.chunkSize, self.uploadedAt, self.author) = (sha256, chunkSize, uploadedAt, author)
    }

    /// How many chunks the file is.
    package var chunkCount: Int64 { (size + Int64(max(1, chunkSize)) - 1) / Int64(max(1, chunkSize)) }
}

/// Where the hub keeps releases: written once, read in chunks.
package protocol ReleaseStore: Sendable {
    /// Stores `release` with its file cut in `chunks`; false when that version and architecture
    /// is there already (nothing changed).
    func addRelease(_ release: StoredRelease, chunks: [[UInt8]]) async throws -> Bool
    /// Every release, newest upload first; only those of `version` when given.
    func releases(version: String?) async throws -> [StoredRelease]
    /// Chunk `index` of a release; nil when there is none.
    func releaseChunk(version: String, architecture: String, index: Int64) async throws -> [UInt8]?
}
