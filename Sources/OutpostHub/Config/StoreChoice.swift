import Logging
import OutpostConfig
import OutpostSystem

/// Which store the hub runs on: `[hub] store = "sqlite"` (the default: one file in the data
/// directory, one hub) or `"postgres"` with a `[postgres]` table (`url`, `pool_size`), which
/// several hub replicas can share.
package enum StoreChoice: Sendable, Hashable {
    case sqlite
    case postgres(PostgresSettings)

    init(_ hub: TOMLSection, postgres section: TOMLSection?) throws(ConfigError) {
        let name = try hub.string("store") ?? "sqlite"
        switch name {
        case "sqlite":
            self = .sqlite
        case "postgres":
            guard let section else {
                throw hub.error(
                    "store",
                    "store = \"postgres\" needs a [postgres] table with url = \"postgres://user@host:5432/outpost\"")
            }
            try section.rejectUnknownKeys(["url", "pool_size"])
            guard let url = try section.string("url") else {
                throw section.error("url", "missing; use e.g. \"postgres://outpost@db.example:5432/outpost\"")
            }
            let pool = try section.int("pool_size") ?? 8
            guard (1...256).contains(pool) else { throw section.error("pool_size", "\(pool) is outside 1-256") }
            guard let settings = PostgresSettings(url: url, poolSize: pool) else {
                throw section.error(
                    "url",
                    "'\(url)' is not a connection URL; use postgres://user[:password]@host[:port]/database, "
                        + "optionally with ?sslmode=disable|require|verify-full and &sslrootcert=CA-FILE")
            }
            self = .postgres(settings)
        default:
            throw hub.error("store", "'\(name)' is not a store; use \"sqlite\" or \"postgres\"")
        }
    }
}

extension StoreChoice {
    /// Opens the chosen store: SQLite's file in `dataDirectory` after its integrity check, or
    /// PostgreSQL after its migrations.
    package func open(dataDirectory: String, logger: Logger) async throws -> any HubStore {
        switch self {
        case .sqlite:
            try FileIO.makeDirectory(dataDirectory)
            let path = dataDirectory + "/" + HubConfiguration.databaseFile
            // The integrity check reads the whole file: a thread of its own.
            return try await BlockingWork.run { try SQLiteHubStore.openChecked(path: path) }
        case .postgres(let settings):
            return try await PostgresHubStore.open(settings: settings, logger: logger)
        }
    }
}
