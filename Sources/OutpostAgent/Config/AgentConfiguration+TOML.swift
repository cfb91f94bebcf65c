import OutpostConfig
import OutpostDevices
import OutpostModbus
import OutpostSerial

#if canImport(Glibc)
    import Glibc
#endif

extension AgentConfiguration {
    static let topKeys: Set<String> = readingKeys.union(["gateway", "uplink"])

    /// Reads and checks `text` (the contents of `file`), resolving device profiles in `profiles`.
    /// With `checkingFiles`, the uplink's CA, certificate, key and signing key must be readable
    /// files here (what `check` and `run` ask; a configuration written elsewhere need not).
    package init(
        toml text: String, file: String, profiles: ProfileLibrary = ProfileLibrary(), checkingFiles: Bool = false
    ) throws(ConfigProblems) {
        var problems: [ConfigError] = []
        func collect<T>(_ body: () throws(ConfigError) -> T) -> T? {
            do throws(ConfigError) {
                return try body()
            } catch {
                problems.append(error)
                return nil
            }
        }
        let top = try TOMLDocument.parse(text, file: file).top
        _ = collect { () throws(ConfigError) in try top.rejectUnknownKeys(Self.topKeys) }
        let gateway = collect { () throws(ConfigError) in try Self.gateway(top) }
        let sections = ConfigProblemList()
        let uplink = Self.uplink(top, problems: sections)
        problems += sections.problems
        // The files are checked whatever else is wrong in [uplink]: a missing key file and a
        // mistyped setting show up in the same run.
        if checkingFiles, let section = try? top.section("uplink") {
            for key in ["ca", "certificate", "key", "signing_key", "hub_key", "release_key"] {
                guard let path = (try? section.string(key)) ?? nil, access(path, R_OK) != 0 else { continue }
                problems.append(section.error(key, "'\(path)' cannot be read: \(String(cString: strerror(errno)))"))
            }
        }
        let reading = Self.readingTables(top, profiles: profiles)
        problems += reading.problems
        problems += Self.sourceProblems(
            reading.modbus, reading.gpio, reading.serial, at: top, requiringOne: problems.isEmpty)
        let buffer = reading.buffer
        let (modbus, gpio, serial, aggregation) = (reading.modbus, reading.gpio, reading.serial, reading.aggregation)
        guard problems.isEmpty, let gateway, let uplink, let buffer else {
            throw ConfigProblems(problems: problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        self.init(
            gateway: gateway, uplink: uplink, buffer: buffer, modbus: modbus, gpio: gpio, serial: serial,
            aggregation: aggregation)
    }

    /// One table read by `parse`, its unknown keys checked apart so they hide nothing else. When
    /// a key is unknown, a problem about a key the table lacks is left out: the unknown one is
    /// most likely that key misspelled, and is reported already.
    static func table<T>(
        _ section: TOMLSection, _ keys: Set<String>, _ problems: ConfigProblemList,
        _ parse: (TOMLSection, ConfigProblemList) -> T?
    ) -> T? {
        let misspelled = problems.attempt { () throws(ConfigError) in try section.rejectUnknownKeys(keys) } == nil
        let own = ConfigProblemList()
        let value = parse(section, own)
        for problem in own.problems {
            let prefix = section.path + "."
            let key = problem.path.hasPrefix(prefix) ? String(problem.path.dropFirst(prefix.count)) : ""
            let absent = !key.isEmpty && !key.contains(".") && !key.contains("[") && !section.has(key)
            if misspelled, absent { continue }
            problems.add(problem)
        }
        return misspelled || !own.problems.isEmpty ? nil : value
    }

    static func name(_ section: TOMLSection, _ key: String = "name") throws(ConfigError) -> String {
        let name = try section.requiredString(key)
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) })
        else {
            throw section.error(key, "'\(name)' is not a name: use letters, digits, '-' and '_' (at most 64)")
        }
        return name
    }

    static func gateway(_ top: TOMLSection) throws(ConfigError) -> Gateway {
        guard let section = try top.section("gateway") else { throw top.error("gateway", "missing [gateway] table") }
        try section.rejectUnknownKeys(["id", "data_dir"])
        let dataDirectory = try section.string("data_dir") ?? "/var/lib/outpost"
        guard dataDirectory.hasPrefix("/") else { throw section.error("data_dir", "must be an absolute path") }
        return Gateway(id: try name(section, "id"), dataDirectory: dataDirectory)
    }

    /// `[uplink]`, or nil after recording every problem it has in `problems`.
    static func uplink(_ top: TOMLSection, problems: ConfigProblemList) -> Uplink? {
        guard let section = problems.attempt({ () throws(ConfigError) in try top.section("uplink") }) else {
            return nil
        }
        guard let section else {
            problems.add(top.error("uplink", "missing [uplink] table"))
            return nil
        }
        let before = problems.count
        _ = problems.attempt { () throws(ConfigError) in
            try section.rejectUnknownKeys([
                "broker", "ca", "certificate", "key", "signing_key", "batch_max_readings", "batch_max_age", "in_flight",
                "ack_timeout", "keepalive", "reconnect_max", "bandwidth_limit", "live", "hub_key", "release_key",
                "status_interval", "max_bytes_per_day", "max_bytes_per_month",
            ])
        }
        func read<T>(_ body: () throws(ConfigError) -> T) -> T? { problems.attempt(body) }
        func ranged(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) -> Int? {
            read { () throws(ConfigError) -> Int in
                let value = try section.int(key) ?? fallback
                guard range.contains(value) else {
                    throw section.error(key, "\(value) is outside \(range.lowerBound)-\(range.upperBound)")
                }
                return value
            }
        }
        let broker = read { () throws(ConfigError) in try brokerAddress(section) }
        let certificate = read { () throws(ConfigError) in try section.string("certificate") }
        let key = read { () throws(ConfigError) in try section.string("key") }
        let ca = read { () throws(ConfigError) in try section.string("ca") }
        if let certificate, let key, (certificate == nil) != (key == nil) {
            problems.add(
                section.error(certificate == nil ? "certificate" : "key", "give both certificate and key, or neither"))
        }
        if let broker, broker.tls, let ca, ca == nil {
            problems.add(section.error("ca", "an mqtts:// broker needs the CA file that signed its certificate"))
        }
        let signingKey = read { () throws(ConfigError) in try section.requiredString("signing_key") }
        let maxReadings = ranged("batch_max_readings", Uplink.defaultBatchMaxReadings, 1...1_000_000)
        let inFlight = ranged("in_flight", 8, 1...64)
        let bandwidth = read { () throws(ConfigError) in try section.byteSize("bandwidth_limit") }
        let reconnectMaximum = read { () throws(ConfigError) -> Duration in
            let value = try positive(section, "reconnect_max") ?? .seconds(60)
            guard value >= .seconds(1), value <= .seconds(3600) else {
                throw section.error("reconnect_max", "must be between 1s and 1h")
            }
            return value
        }
        let maxAge = read { () throws(ConfigError) in
            try positive(section, "batch_max_age") ?? Uplink.defaultBatchMaxAge
        }
        let ackTimeout = read { () throws(ConfigError) in try positive(section, "ack_timeout") ?? .seconds(30) }
        let keepalive = read { () throws(ConfigError) in try positive(section, "keepalive") ?? .seconds(30) }
        let hubKey = read { () throws(ConfigError) in try section.string("hub_key") }
        let releaseKey = read { () throws(ConfigError) in try section.string("release_key") }
        let statusInterval = read { () throws(ConfigError) -> Duration in
            let value = try positive(section, "status_interval") ?? .seconds(30)
            guard value >= .seconds(10), value <= .seconds(3600) else {
                throw section.error("status_interval", "must be between 10s and 1h")
            }
            return value
        }
        let live = read { () throws(ConfigError) in try liveMode(section, hubKey: hubKey ?? nil) }
        let dataBudget = read { () throws(ConfigError) in try budgetLimit(section) }
        guard problems.count == before, let dataBudget, let broker, let certificate, let key, let ca, let signingKey,
            let maxReadings,
            let inFlight, let bandwidth, let reconnectMaximum, let maxAge, let ackTimeout, let keepalive, let live,
            let hubKey, let releaseKey, let statusInterval
        else { return nil }
        return Uplink(
            broker: broker, caFile: ca, certificateFile: certificate, keyFile: key, signingKeyFile: signingKey,
            batchMaxReadings: maxReadings, batchMaxAge: maxAge, inFlight: inFlight, ackTimeout: ackTimeout,
            keepalive: keepalive, reconnectMaximum: reconnectMaximum, bandwidthLimit: bandwidth == 0 ? nil : bandwidth,
            live: live, hubKeyFile: hubKey, statusInterval: statusInterval, dataBudget: dataBudget,
            releaseKeyFile: releaseKey)
    }

    /// `max_bytes_per_day` or `max_bytes_per_month` (one of them), at least 10 kB: less would
    /// not carry a connection and a day of status.
    static func budgetLimit(_ section: TOMLSection) throws(ConfigError) -> DataBudget.Limit? {
        let day = try section.byteSize("max_bytes_per_day")
        let month = try section.byteSize("max_bytes_per_month")
        if day != nil, month != nil {
            throw section.error("max_bytes_per_month", "give max_bytes_per_day or max_bytes_per_month, not both")
        }
        guard let bytes = day ?? month else { return nil }
        let key = day != nil ? "max_bytes_per_day" : "max_bytes_per_month"
        guard bytes >= 10_000 else {
            throw section.error(key, "\(bytes) bytes is less than the 10 kB a connection and its status need")
        }
        return DataBudget.Limit(bytes: bytes, period: day != nil ? .day : .month)
    }

    /// `live`: "always", "on-demand" or "never" (true and false, from before on demand, read as
    /// always and never). On demand by default where the fleet key is given (`hub_key`), since
    /// the watch documents it follows are checked with it; always where it is not.
    static func liveMode(_ section: TOMLSection, hubKey: String?) throws(ConfigError) -> LiveMode {
        let mode: LiveMode
        if let flag = try? section.bool("live") {
            mode = flag ? .always : .never
        } else if let text = try section.string("live") {
            guard let parsed = LiveMode(rawValue: text) else {
                throw section.error("live", "'\(text)' is not one of always, on-demand, never")
            }
            mode = parsed
        } else {
            mode = hubKey == nil ? .always : .onDemand
        }
        if mode == .onDemand, hubKey == nil {
            throw section.error(
                "live",
                "on-demand needs hub_key (the fleet key's public half, fleet.pem in the provisioning bundle) to check the hub's watch documents"
            )
        }
        return mode
    }

    static func brokerAddress(_ section: TOMLSection) throws(ConfigError) -> BrokerAddress {
        try section.brokerAddress("broker")
    }

    static func buffer(_ top: TOMLSection) throws(ConfigError) -> Buffer {
        let section = try top.section("buffer")
        try section?.rejectUnknownKeys(["quota", "policy", "commit_interval"])
        let quota = try section?.byteSize("quota") ?? 256_000_000
        // The floor catches a unit left off ("256" meant as megabytes), not a small board.
        guard quota >= 16_000 else { throw top.error("buffer.quota", "at least \"16kB\"") }
        var policy = Buffer.Policy.degrade
        if let text = try section?.string("policy") {
            guard let parsed = Buffer.Policy(rawValue: text) else {
                throw top.error(
                    "buffer.policy",
                    "'\(text)' is not a policy; use \(Buffer.Policy.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))"
                )
            }
            policy = parsed
        }
        let commit = try section.map { section throws(ConfigError) in try positive(section, "commit_interval") } ?? nil
        return Buffer(quota: quota, policy: policy, commitInterval: commit ?? .seconds(1))
    }

    static func positive(_ section: TOMLSection, _ key: String) throws(ConfigError) -> Duration? {
        guard let value = try section.duration(key) else { return nil }
        guard value > .zero else { throw section.error(key, "must be longer than zero") }
        return value
    }
}
