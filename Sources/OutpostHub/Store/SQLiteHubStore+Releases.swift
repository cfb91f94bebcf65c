import Foundation
import GRDB

extension SQLiteHubStore {
    package func addRelease(_ release: StoredRelease, chunks: [[UInt8]]) async throws -> Bool {
        try await writing { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO releases
                        (version, architecture, manifest, size, sha256, chunk_size, uploaded_at, author)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    release.version, release.architecture, release.manifest, release.size, release.sha256,
                    release.chunkSize, release.uploadedAt, release.author,
                ])
            guard db.changesCount > 0 else { return false }
            for (index, chunk) in chunks.enumerated() {
                try db.execute(
                    sql: "INSERT INTO release_chunks (version, architecture, idx, bytes) VALUES (?, ?, ?, ?)",
                    arguments: [release.version, release.architecture, index, Data(chunk)])
            }
            return true
        }
    }

    package func releases(version: String?) async throws -> [StoredRelease] {
        try await reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT version, architecture, manifest, size, sha256, chunk_size, uploaded_at, author
                    FROM releases WHERE (? IS NULL OR version = ?) ORDER BY uploaded_at DESC, architecture
                    """, arguments: [version, version]
            ).map { row in
                StoredRelease(
                    version: row[0], architecture: row[1], manifest: row[2], size: row[3], sha256: row[4],
                    chunkSize: row[5], uploadedAt: row[6], author: row[7])
            }
        }
    }

    package func releaseChunk(version: String, architecture: String, index: Int64) async throws -> [UInt8]? {
        try await reading { db in
            try Data.fetchOne(
                db, sql: "SELECT bytes FROM release_chunks WHERE version = ? AND architecture = ? AND idx = ?",
                arguments: [version, architecture, index]
            ).map { Array($0) }
        }
    }
}
