import OutpostConfig
import OutpostDevices
import OutpostModbus
import OutpostSerial

extension AgentConfiguration {
    static func modbusDevice(_ section: TOMLSection, profiles: ProfileLibrary) throws(ConfigError) -> ModbusDevice {
        try section.rejectUnknownKeys([
            "name", "url", "unit", "profile", "points", "interval", "timeout", "retries", "max_registers_per_request",
        ])
        let name = try name(section)
        let url = try section.requiredString("url")
        let endpoint: ModbusEndpoint
        do throws(ModbusEndpoint.ParseError) {
            endpoint = try ModbusEndpoint(parsing: url)
        } catch {
            throw section.error("url", error.description)
        }
        var points: [DevicePoint] = []
        var unit = 1
        var maxRegisters = 125
        var forbidden: [ClosedRange<Int>] = []
        if let profileName = try section.string("profile") {
            let profile: DeviceProfile
            do throws(ConfigError) {
                profile = try profiles.profile(named: profileName)
            } catch {
                throw section.error("profile", error.message)
            }
            points = profile.points
            unit = Int(profile.defaultUnit)
            maxRegisters = profile.maxRegistersPerRequest
            forbidden = profile.forbidden
        }
        for point in try section.sections("points") { points.append(try DeviceProfile.point(point)) }
        guard !points.isEmpty else {
            throw section.error("give a profile = \"NAME\" (hardware/devices) or inline [[modbus.points]]")
        }
        unit = try section.int("unit") ?? unit
        if let problem = endpoint.unitProblem(unit) { throw section.error("unit", problem) }
        maxRegisters = try section.int("max_registers_per_request") ?? maxRegisters
        guard (1...125).contains(maxRegisters) else {
            throw section.error("max_registers_per_request", "\(maxRegisters) is outside 1-125")
        }
        let retries = try section.int("retries") ?? 1
        guard (0...10).contains(retries) else { throw section.error("retries", "\(retries) is outside 0-10") }
        let interval = try positive(section, "interval") ?? .seconds(10)
        // Default: 1 s, or half the interval for fast polls.
        let timeout = try positive(section, "timeout") ?? min(.seconds(1), interval / 2)
        guard timeout < interval else {
            throw section.error("timeout", "must be shorter than the interval (\(interval.configurationText))")
        }
        return ModbusDevice(
            name: name, endpoint: endpoint,
            settings: .init(unit: UInt8(unit), timeout: timeout, retries: retries), points: points,
            maxRegisters: maxRegisters, forbidden: forbidden, interval: interval)
    }

    static func gpioInput(_ section: TOMLSection) throws(ConfigError) -> GPIOInput {
        try section.rejectUnknownKeys(["name", "chip", "interval", "lines"])
        var lines: [GPIOSource.Line] = []
        for line in try section.sections("lines") {
            try line.rejectUnknownKeys(["name", "line", "mode", "active_low", "debounce", "scale"])
            let offset = try line.requiredInt("line")
            guard (0...1023).contains(offset) else { throw line.error("line", "\(offset) is not a line offset") }
            let mode: GPIOSource.Line.Mode
            switch try line.string("mode") ?? "level" {
            case "level": mode = .level
            case "pulses":
                let scale = try line.double("scale") ?? 1
                guard scale > 0, scale.isFinite else { throw line.error("scale", "must be a positive number") }
                mode = .pulses(debounce: try line.duration("debounce") ?? .milliseconds(5), scale: scale)
            case let other: throw line.error("mode", "'\(other)' is not a mode; use \"level\" or \"pulses\"")
            }
            lines.append(
                .init(name: try name(line), offset: offset, mode: mode, activeLow: try line.bool("active_low") ?? false)
            )
        }
        guard !lines.isEmpty else { throw section.error("lines", "add at least one [[gpio.lines]] table") }
        return GPIOInput(
            name: try name(section), chip: try section.requiredString("chip"), lines: lines,
            interval: try positive(section, "interval") ?? .seconds(60))
    }

    static func serialInput(_ section: TOMLSection) throws(ConfigError) -> SerialInput {
        try section.rejectUnknownKeys([
            "name", "device", "baud", "parity", "data", "stop", "format", "pattern", "separator", "delimiter",
            "columns",
            "fields",
        ])
        let device = try section.requiredString("device")
        guard device.hasPrefix("/") else { throw section.error("device", "must be an absolute path") }
        var line = SerialLine(device: device)
        for key in ["baud", "data", "stop"] {
            guard let value = try section.int(key) else { continue }
            do throws(SerialLineError) { try line.set(key, to: String(value)) } catch {
                throw section.error(key, error.description)
            }
        }
        if let parity = try section.string("parity") {
            do throws(SerialLineError) { try line.set("parity", to: parity) } catch {
                throw section.error("parity", error.description)
            }
        }
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
        var fields: [String: String] = [:]
        if let table = try section.section("fields") {
            for key in table.keys.sorted() { fields[key] = try table.requiredString(key) }
        }
        return SerialInput(settings: .init(name: try name(section), line: line, format: format, fields: fields))
    }

    static func aggregationRule(_ section: TOMLSection) throws(ConfigError) -> AggregationRule {
        try section.rejectUnknownKeys(["series", "mode", "deadband", "deadband_percent", "heartbeat", "window"])
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
