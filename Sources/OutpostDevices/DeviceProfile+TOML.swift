import OutpostConfig
import OutpostWire

extension DeviceProfile {
    static let deviceKeys: Set<String> = [
        "name", "manufacturer", "model", "kind", "datasheet", "default_unit", "max_registers_per_request", "forbidden",
        "notes",
    ]
    static let pointKeys: Set<String> = [
        "name", "function", "address", "type", "order", "scale", "offset", "bit", "bits", "unit", "resolution", "kind",
        "min", "max", "description", "setting",
    ]

    /// Reads and checks a profile: every key known, every point valid, addresses in range, no
    /// unintended overlaps (points may share a register only as distinct bit fields).
    package init(toml text: String, file: String) throws(ConfigError) {
        let document = try TOMLDocument(text: text, file: file)
        let top = document.top
        try top.rejectUnknownKeys(["device", "points"])
        guard let device = try top.section("device") else { throw top.error("device", "missing [device] table") }
        try device.rejectUnknownKeys(Self.deviceKeys)
        let defaultUnit = try device.int("default_unit") ?? 1
        guard (1...247).contains(defaultUnit) else {
            throw device.error(
                "default_unit", "\(defaultUnit) is not a device's unit id (1-247; 0 is broadcast, 248-255 reserved)")
        }
        let maxRegisters = try device.int("max_registers_per_request") ?? 125
        guard (1...125).contains(maxRegisters) else {
            throw device.error("max_registers_per_request", "\(maxRegisters) is outside 1-125")
        }
        var forbidden: [ClosedRange<Int>] = []
        for (index, text) in (try device.strings("forbidden") ?? []).enumerated() {
            guard let range = Self.parseRange(text) else {
                throw device.error("forbidden[\(index)]", "'\(text)' is not a range such as \"0x0050-0x0053\"")
            }
            forbidden.append(range)
        }
        let datasheet = try device.requiredString("datasheet")
        guard !datasheet.isEmpty else { throw device.error("datasheet", "name the public datasheet and its revision") }
        var points: [DevicePoint] = []
        for section in try top.sections("points") {
            points.append(try Self.point(section))
        }
        guard !points.isEmpty else { throw top.error("points", "a profile needs at least one [[points]] entry") }
        self.init(
            name: try device.requiredString("name"), manufacturer: try device.requiredString("manufacturer"),
            model: try device.requiredString("model"), datasheet: datasheet, defaultUnit: UInt8(defaultUnit),
            maxRegistersPerRequest: maxRegisters, forbidden: forbidden, points: points)
        if let problem = overlapProblem() {
            throw top.error("points[\(problem.index)]", problem.message)
        }
        var seen = Set<String>()
        for (index, point) in points.enumerated() where !seen.insert(point.name).inserted {
            throw top.error("points[\(index)].name", "point name '\(point.name)' appears twice")
        }
    }

    /// Reads one `[[points]]` table (profiles, and inline points in an agent configuration).
    package static func point(_ section: TOMLSection) throws(ConfigError) -> DevicePoint {
        try section.rejectUnknownKeys(pointKeys)
        let name = try section.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "_-./".contains($0) }) else {
            throw section.error("name", "'\(name)' is not a point name (letters, digits, _ - . /)")
        }
        let functionText = try section.requiredString("function")
        guard let function = ModbusFunction(rawValue: functionText) else {
            throw section.error("function", "'\(functionText)' is not coil, discrete, holding or input")
        }
        let address = try section.requiredInt("address")
        let typeText = try section.string("type") ?? (function.isBitTable ? "bool" : "uint16")
        guard let type = PointType(rawValue: typeText) else {
            throw section.error(
                "type", "'\(typeText)' is not one of \(PointType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if function.isBitTable, type != .bool { throw section.error("type", "\(function.rawValue) points are bool") }
        let orderText = try section.string("order") ?? "ABCD"
        guard let order = WordOrder(rawValue: orderText.uppercased()) else {
            throw section.error("order", "'\(orderText)' is not ABCD, CDAB, BADC or DCBA")
        }
        let span = function.isBitTable ? 1 : type.registerCount
        guard address >= 0, address + span <= 65_536 else {
            throw section.error("address", "\(address) (+\(span)) is outside the 0-65535 address space")
        }
        let bit = try section.int("bit")
        let bits = try section.int("bits")
        if let bit {
            guard type.isInteger else {
                throw section.error("bit", "bit fields need an integer type, not \(type.rawValue)")
            }
            let width = bits ?? 1
            guard bit >= 0, width >= 1, bit + width <= type.bitWidth else {
                throw section.error("bit", "bits \(bit)..<\(bit + width) do not fit in \(type.rawValue)")
            }
        } else if bits != nil {
            throw section.error("bits", "'bits' needs 'bit' (the first bit of the field)")
        }
        let scale = try section.double("scale") ?? 1
        guard scale.isFinite, scale != 0 else { throw section.error("scale", "must be a non-zero number") }
        let offset = try section.double("offset") ?? 0
        var resolution: Resolution?
        if let step = try section.double("resolution") {
            guard let parsed = Resolution(step) else {
                throw section.error("resolution", "\(step) is not a positive decimal step")
            }
            resolution = parsed
        }
        let kindText = try section.string("kind") ?? (type == .bool ? "state" : "gauge")
        guard let kind = SeriesKind(name: kindText) else {
            throw section.error("kind", "'\(kindText)' is not gauge, counter or state")
        }
        var limits: ClosedRange<Double>?
        let minimum = try section.double("min")
        let maximum = try section.double("max")
        if let minimum, let maximum {
            guard minimum < maximum else { throw section.error("min", "min \(minimum) is not below max \(maximum)") }
            limits = minimum...maximum
        } else if minimum != nil || maximum != nil {
            throw section.error(minimum == nil ? "max" : "min", "give both min and max, or neither")
        }
        return DevicePoint(
            name: name, function: function, address: address,
            codec: RegisterCodec(
                type: type, order: order, scale: scale, offset: offset, bit: bit,
                bitCount: bit == nil ? nil : (bits ?? 1)),
            unit: try section.string("unit") ?? "", resolution: resolution, kind: kind, limits: limits,
            description: try section.string("description") ?? "", isSetting: try section.bool("setting") ?? false)
    }

    /// Two points overlap unintentionally when they share an address of one table and are not
    /// both bit fields with disjoint bits of the same register type.
    func overlapProblem() -> (index: Int, message: String)? {
        for (index, point) in points.enumerated() {
            for other in points[..<index]
            where other.function == point.function && other.addresses.overlaps(point.addresses) {
                let bothBitFields =
                    point.codec.bit != nil && other.codec.bit != nil && point.address == other.address
                    && point.codec.type == other.codec.type
                if bothBitFields, let a = point.codec.bit, let b = other.codec.bit {
                    let first = a..<(a + (point.codec.bitCount ?? 1))
                    let second = b..<(b + (other.codec.bitCount ?? 1))
                    if !first.overlaps(second) { continue }
                }
                return (
                    index, "'\(point.name)' overlaps '\(other.name)' at \(point.function.rawValue) \(point.address)"
                )
            }
            for range in forbidden where registerAddresses(point).contains(where: range.contains) {
                return (index, "'\(point.name)' lies in the forbidden range \(range.lowerBound)-\(range.upperBound)")
            }
        }
        return nil
    }

    /// The register addresses a point reads; bit tables have their own address space.
    private func registerAddresses(_ point: DevicePoint) -> Range<Int> {
        point.function.isBitTable ? 0..<0 : point.addresses
    }

    static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters() }
        guard parts.count == 2, let low = parseInteger(parts[0]), let high = parseInteger(parts[1]), low <= high else {
            return nil
        }
        return low...high
    }

    static func parseInteger(_ text: String) -> Int? {
        text.hasPrefix("0x") || text.hasPrefix("0X") ? Int(text.dropFirst(2), radix: 16) : Int(text)
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()) }
}
