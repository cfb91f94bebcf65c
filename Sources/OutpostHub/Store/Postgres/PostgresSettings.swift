import Foundation

/// Where the PostgreSQL store connects:
/// `postgres://user[:password]@host[:port]/database[?sslmode=…&sslrootcert=…]`, with
/// percent-encoded user, password and database as libpq takes them.
package struct PostgresSettings: Sendable, Hashable {
    /// Whether and how the connection is encrypted, as libpq's `sslmode` says it.
    package enum TLSMode: Sendable, Hashable {
        /// Plain TCP (`sslmode=disable`, the default: a database on the same host or network).
        case disable
        /// Encrypted, the server's certificate not checked (`sslmode=require`).
        case require
        /// Encrypted, the certificate checked against `caFile` (else the system's roots) and the
        /// host name (`sslmode=verify-full`, `sslrootcert=…`).
        case verifyFull(caFile: String?)
    }

    /// Server host.
    package var host: String
    /// Server port.
    package var port: Int
    /// Role to log in as.
    package var user: String
    /// Its password, if the server asks for one.
    package var password: String?
    /// The database.
    package var database: String
    /// Connections kept open: the most statements in flight at once.
    package var poolSize: Int
    /// Encryption.
    package var tls: TLSMode

    /// Parses a connection URL; nil when it is not one (the caller names the field).
    package init?(url: String, poolSize: Int = 8) {
        let prefixes = ["postgres://", "postgresql://"]
        guard let prefix = prefixes.first(where: url.hasPrefix) else { return nil }
        let whole = url.dropFirst(prefix.count)
        let rest = whole.prefix { $0 != "?" }
        guard let at = rest.lastIndex(of: "@"), let slash = rest[at...].firstIndex(of: "/") else { return nil }
        let credentials = rest[..<at]
        let address = rest[rest.index(after: at)..<slash]
        let decode = { (part: Substring) in part.removingPercentEncoding ?? String(part) }
        if let colon = credentials.firstIndex(of: ":") {
            user = decode(credentials[..<colon])
            password = decode(credentials[credentials.index(after: colon)...])
        } else {
            user = decode(credentials)
            password = nil
        }
        if let colon = address.lastIndex(of: ":") {
            guard let port = Int(address[address.index(after: colon)...]), (1...65_535).contains(port) else {
                return nil
            }
            host = String(address[..<colon])
            self.port = port
        } else {
            host = String(address)
            port = 5432
        }
        database = decode(rest[rest.index(after: slash)...])
        self.poolSize = poolSize
        var options: [String: String] = [:]
        for pair in whole.dropFirst(rest.count + 1).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { return nil }
            options[String(parts[0])] = decode(parts[1])
        }
        switch options["sslmode"] ?? "disable" {
        case "disable": tls = .disable
        case "require": tls = .require
        case "verify-full": tls = .verifyFull(caFile: options["sslrootcert"])
        default: return nil
        }
        guard Set(options.keys).isSubset(of: ["sslmode", "sslrootcert"]) else { return nil }
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty else { return nil }
    }
}
