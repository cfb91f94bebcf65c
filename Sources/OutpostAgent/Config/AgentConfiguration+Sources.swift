import OutpostConfig
import OutpostDevices
import OutpostModbus
import OutpostSerial

extension AgentConfiguration {
    /// A `[[modbus]]` table, or nil after recording every problem it has in `problems`.
    static func modbusDevice(_ section: TOMLSection, profiles: ProfileLibrary, problems: ConfigProblemList)
        -> ModbusDevice?
    {
        let before = problems.count
        _ = problems.attempt { () throws(ConfigError) in
            try section.rejectUnknownKeys([
                "name", "url", "unit", "profile", "points", "interval", "timeout", "retries",
                "max_registers_per_request",
            ])
        }
        let deviceName = problems.attempt { () throws(ConfigError) in try Self.name(section) }
        let endpoint = problems.attempt { () throws(ConfigError) -> ModbusEndpoint in
            let url = try section.requiredString("url")
            do throws(ModbusEndpoint.ParseError) {
                return try ModbusEndpoint(parsing: url)
            } catch {
                throw section.error("url", error.description)
            }
        }
        var points: [DevicePoint] = []
        var unit = 1
        var maxRegisters = 125
        var forbidden: [ClosedRange<Int>] = []
        var profileNamed = false
        if let profileName = problems.attempt({ () throws(ConfigError) in try section.string("profile") }) ?? nil {
            profileNamed = true
            let profile = problems.attempt { () throws(ConfigError) -> DeviceProfile in
                do throws(ConfigError) {
                    return try profiles.profile(named: profileName)
                } catch {
                    throw section.error("profile", error.message)
                }
            }
            if let profile {
                points = profile.points
                unit = Int(profile.defaultUnit)
                maxRegisters = profile.maxRegistersPerRequest
                forbidden = profile.forbidden
            }
        }
        for point in problems.attempt({ () throws(ConfigError) in try section.sections("points") }) ?? [] {
            if let parsed = problems.attempt({ () throws(ConfigError) in try DeviceProfile.point(point) }) {
                points.append(parsed)
            }
        }
        if points.isEmpty, !profileNamed {
            problems.add(section.error("give a profile = \"NAME\" (hardware/devices) or inline [[modbus.points]]"))
        }
        if let given = problems.attempt({ () throws(ConfigError) in try section.int("unit") }) ?? nil { unit = given }
        if let endpoint, let problem = endpoint.unitProblem(unit) { problems.add(section.error("unit", problem)) }
        if let given = problems.attempt({ () throws(ConfigError) in try section.int("max_registers_per_request") })
            ?? nil
        {
            maxRegisters = given
            if !(1...125).contains(maxRegisters) {
                problems.add(section.error("max_registers_per_request", "\(maxRegisters) is outside 1-125"))
            }
        }
        let retries = problems.attempt { () throws(ConfigError) -> Int in
            let retries = try section.int("retries") ?? 1
            guard (0...10).contains(retries) else { throw section.error("retries", "\(retries) is outside 0-10") }
            return retries
        }
        let interval = problems.attempt { () throws(ConfigError) in try positive(section, "interval") ?? .seconds(10) }
        let timeout = problems.attempt { () throws(ConfigError) -> Duration in
            // Default: 1 s, or half the interval for fast polls.
            let given = try positive(section, "timeout")
            guard let interval else { return given ?? .seconds(1) }
            let timeout = given ?? min(.seconds(1), interval / 2)
            guard timeout < interval else {
                throw section.error("timeout", "must be shorter than the interval (\(interval.configurationText))")
            }
            return timeout
        }
        guard problems.count == before, let deviceName, let endpoint, let retries, let interval, let timeout else {
            return nil
        }
        return ModbusDevice(
            name: deviceName, endpoint: endpoint,
            settings: .init(unit: UInt8(unit), timeout: timeout, retries: retries), points: points,
            maxRegisters: maxRegisters, forbidden: forbidden, interval: interval)
    }

    /// The keys of a `[[gpio]]` table (checked apart, so an unknown one hides no other problem).
    static let gpioKeys: Set<String> = ["name", "chip", "interval", "lines"]

    /// A `[[gpio]]` table, or nil after recording every problem of it and of each of its lines.
    static func gpioInput(_ section: TOMLSection, _ problems: ConfigProblemList) -> GPIOInput? {
        let before = problems.count
        var lines: [GPIOSource.Line] = []
        let tables = problems.attempt { () throws(ConfigError) in try section.sections("lines") }
        for line in tables ?? [] {
            _ = problems.attempt { () throws(ConfigError) in
                try line.rejectUnknownKeys(["name", "line", "mode", "active_low", "debounce", "scale"])
            }
            let name = problems.attempt { () throws(ConfigError) in try Self.name(line) }
            let offset = problems.attempt { () throws(ConfigError) -> Int in
                let offset = try line.requiredInt("line")
                guard (0...1023).contains(offset) else {
                    throw line.error("line", "\(offset) is outside 0-1023, the line offsets a chip has")
                }
                return offset
            }
            let mode = problems.attempt { () throws(ConfigError) -> GPIOSource.Line.Mode in
                switch try line.string("mode") ?? "level" {
                case "level": return .level
                case "pulses":
                    let scale = try line.double("scale") ?? 1
                    guard scale > 0, scale.isFinite else { throw line.error("scale", "must be a positive number") }
                    return .pulses(debounce: try line.duration("debounce") ?? .milliseconds(5), scale: scale)
                case let other: throw line.error("mode", "'\(other)' is not a mode; use \"level\" or \"pulses\"")
                }
            }
            let activeLow = problems.attempt { () throws(ConfigError) in try line.bool("active_low") ?? false }
            if let name, let offset, let mode, let activeLow {
                lines.append(.init(name: name, offset: offset, mode: mode, activeLow: activeLow))
            }
        }
        if tables?.isEmpty ?? false { problems.add(section.error("lines", "add at least one [[gpio.lines]] table")) }
        let name = problems.attempt { () throws(ConfigError) in try Self.name(section) }
        let chip = problems.attempt { () throws(ConfigError) in try section.requiredString("chip") }
        let interval = problems.attempt { () throws(ConfigError) in try positive(section, "interval") ?? .seconds(60) }
        guard problems.count == before, let name, let chip, let interval else { return nil }
        return GPIOInput(name: name, chip: chip, lines: lines, interval: interval)
    }

    /// The keys of a `[[serial]]` table (checked apart, so an unknown one hides no other problem).
    static let serialKeys: Set<String> = [
        "name", "device", "baud", "parity", "data", "stop", "format", "pattern", "separator", "delimiter", "columns",
        "fields",
    ]

    /// A `[[serial]]` table, or nil after recording every problem it has.
    static func serialInput(_ section: TOMLSection, _ problems: ConfigProblemList) -> SerialInput? {
        let before = problems.count
        let device = problems.attempt { () throws(ConfigError) -> String in
            let device = try section.requiredString("device")
            guard device.hasPrefix("/") else {
                throw section.error("device", "must be an absolute path, e.g. /dev/ttyUSB0")
            }
            return device
        }
        var line = SerialLine(device: device ?? "/")
        for key in ["baud", "data", "stop", "parity"] {
            _ = problems.attempt { () throws(ConfigError) in
                let value: String?
                if key == "parity" {
                    value = try section.string(key)
                } else {
                    value = try section.int(key).map(String.init)
                }
                guard let value else { return }
                do throws(SerialLineError) { try line.set(key, to: value) } catch {
                    throw section.error(key, error.description)
                }
            }
        }
        let format = problems.attempt { () throws(ConfigError) in try lineFormat(section) }
        let fields = problems.attempt { () throws(ConfigError) -> [String: String] in
            var fields: [String: String] = [:]
            if let table = try section.section("fields") {
                for key in table.keys.sorted() { fields[key] = try table.requiredString(key) }
            }
            return fields
        }
        let name = problems.attempt { () throws(ConfigError) in try Self.name(section) }
        guard problems.count == before, device != nil, let format, let fields, let name else { return nil }
        return SerialInput(settings: .init(name: name, line: line, format: format, fields: fields))
    }

    /// The `format` of a `[[serial]]` table and the keys it needs, checked by building its parser.
    private static func lineFormat(_ section: TOMLSection) throws(ConfigError) -> LineFormat {
        let format: LineFormat
        switch try section.requiredString("format") {
        case "nmea": format = .nmea
        case "regex": format = .regex(try section.requiredString("pattern"))
        case "key_value":
            let separator = try section.string("separator") ?? "="
            guard separator.count == 1, let character = separator.first else {
                throw section.error("separator", "must be one character")
            }
            format = .keyValue(separator: character)
        case "columns":
            let delimiter = try section.string("delimiter") ?? ","
            guard delimiter.count == 1, let character = delimiter.first else {
                throw section.error("delimiter", "must be one character")
            }
            guard let columns = try section.strings("columns") else {
                throw section.error("columns", "name the columns in order, e.g. [\"level\", \"\", \"flow\"]")
            }
            format = .columns(delimiter: character, names: columns)
        case let other:
            throw section.error(
                "format", "'\(other)' is not a format; use \"nmea\", \"regex\", \"key_value\" or \"columns\"")
        }
        do throws(LineFormatError) {
            _ = try LineParser(format)
        } catch {
            throw section.error(format == .nmea ? "format" : "pattern", error.description)
        }
        return format
    }

    /// The keys of an `[[aggregate]]` table (checked apart, so an unknown one hides no other problem).
    static let aggregateKeys: Set<String> = ["series", "mode", "deadband", "deadband_percent", "heartbeat", "window"]

    static func aggregationRule(_ section: TOMLSection) throws(ConfigError) -> AggregationRule {
        let pattern = try section.requiredString("series")
        guard !pattern.isEmpty else { throw section.error("series", "name a series or a glob such as \"meter-1.*\"") }
        let mode: AggregationRule.Mode
        switch try section.requiredString("mode") {
        case "raw": mode = .raw
        case "deadband":
            let absolute = try section.double("deadband")
            let percent = try section.double("deadband_percent")
            guard absolute != nil || percent != nil else {
                throw section.error("deadband", "give deadband (absolute) or deadband_percent")
            }
            if let absolute, absolute < 0 { throw section.error("deadband", "must not be negative") }
            if let percent, percent < 0 { throw section.error("deadband_percent", "must not be negative") }
            mode = .deadband(
                absolute: absolute, percent: percent, heartbeat: try positive(section, "heartbeat") ?? .seconds(900))
        case "window":
            guard let window = try positive(section, "window") else {
                throw section.error("window", "give the window length, e.g. \"1m\"")
            }
            mode = .window(window)
        case "rate": mode = .rate
        case let other:
            throw section.error("mode", "'\(other)' is not a mode; use \"raw\", \"deadband\", \"window\" or \"rate\"")
        }
        return AggregationRule(pattern: pattern, mode: mode)
    }
}
