import NIOCore
import PostgresNIO

extension PostgresHubStore {
    package func addRelease(_ release: StoredRelease, chunks: [[UInt8]]) async throws -> Bool {
        try await link.transaction { session in
            let added = try await session.execute(
                """
                INSERT INTO releases (version, architecture, manifest, size, sha256, chunk_size, uploaded_at, author)
                VALUES (\(release.version), \(release.architecture), \(release.manifest), \(release.size),
                    \(release.sha256), \(Int64(release.chunkSize)), \(release.uploadedAt), \(release.author))
                ON CONFLICT (version, architecture) DO NOTHING
                """)
            guard added > 0 else { return false }
            for (index, chunk) in chunks.enumerated() {
                try await session.execute(
                    """
                    INSERT INTO release_chunks (version, architecture, idx, bytes)
                    VALUES (\(release.version), \(release.architecture), \(Int64(index)), \(ByteBuffer(bytes: chunk)))
                    """)
            }
            return true
        }
    }

    package func releases(version: String?) async throws -> [StoredRelease] {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT version, architecture, manifest, size, sha256, chunk_size, uploaded_at, author FROM releases
                WHERE (\(version)::text IS NULL OR version = \(version)) ORDER BY uploaded_at DESC, architecture
                """
            ).map { row in
                let (version, architecture, manifest, size, sha256, chunkSize, uploadedAt) = try row.decode(
                    (String, String, String, Int64, String, Int64, Int64).self)
                return StoredRelease(
                    version: version, architecture: architecture, manifest: manifest, size: size, sha256: sha256,
                    chunkSize: Int(chunkSize), uploadedAt: uploadedAt,
                    author: try row.makeRandomAccess()[7].decode(String.self))
            }
        }
    }

    package func releaseChunk(version: String, architecture: String, index: Int64) async throws -> [UInt8]? {
        try await link.withConnection { session in
            try await session.query(
                """
                SELECT bytes FROM release_chunks
                WHERE version = \(version) AND architecture = \(architecture) AND idx = \(index)
                """
            ).first.map { row in Array(buffer: try row.decode(ByteBuffer.self)) }
        }
    }
}
