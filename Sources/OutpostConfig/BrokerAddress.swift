/// A broker address: `mqtt://host:1883` or `mqtts://host:8883` (TLS).
package struct BrokerAddress: Sendable, Hashable, CustomStringConvertible {
    /// Host name or address.
    package var host: String
    /// Port (1883 plain, 8883 TLS by default).
    package var port: Int
    /// Whether the connection uses TLS.
    package var tls: Bool

    /// Creates an address.
    package init(host: String, port: Int, tls: Bool) {
        self.host = host
        self.port = port
        self.tls = tls
    }

    package var description: String { "\(tls ? "mqtts" : "mqtt")://\(host):\(port)" }
}

extension TOMLSection {
    /// Reads a required broker URL at `key`.
    package func brokerAddress(_ key: String) throws(ConfigError) -> BrokerAddress {
        let url = try requiredString(key)
        let tls: Bool
        let rest: Substring
        if url.hasPrefix("mqtts://") {
            tls = true
            rest = url.dropFirst("mqtts://".count)
        } else if url.hasPrefix("mqtt://") {
            tls = false
            rest = url.dropFirst("mqtt://".count)
        } else {
            throw error(key, "'\(url)' is not a broker URL; use mqtts://host:8883 or mqtt://host:1883")
        }
        var host = String(rest)
        var port = tls ? 8883 : 1883
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = String(rest[..<colon])
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65_535).contains(parsed) else {
                throw error(key, "'\(url)' has a bad port")
            }
            port = parsed
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains("/") else { throw error(key, "'\(url)' has no host") }
        return BrokerAddress(host: host, port: port, tls: tls)
    }
}
