import OutpostAgent
import OutpostDetect
import OutpostDevices
import OutpostHub
import OutpostWire

/// What devices and files hand the agent and the hub: serial lines, NMEA, Modbus registers, CSV.
enum InputFuzz {
    /// The input as one NMEA sentence, its checksum made valid so mutations reach the fields.
    static func nmea(_ bytes: [UInt8]) -> FuzzOutcome {
        var sentence = bytes
        if sentence.first == UInt8(ascii: "$"), let star = sentence.lastIndex(of: UInt8(ascii: "*")) {
            let checksum = sentence[1..<star].reduce(UInt8(0), ^)
            sentence = Array(sentence[...star]) + Array(hex(checksum).utf8)
        }
        let text = String(decoding: sentence, as: UTF8.self)
        do throws(NMEAProblem) {
            let report = try NMEAParser.parse(Substring(text))
            return values(report.values, from: "NMEA \(report.sentence)")
        } catch {
            return .refused("\(error)")
        }
    }

    /// The input as a serial byte stream, cut into lines once whole and once in two parts (the
    /// same lines either way), each line parsed by the format the first byte picks.
    static func line(_ bytes: [UInt8]) -> FuzzOutcome {
        guard let selector = bytes.first else { return .refused("empty") }
        let formats: [LineFormat] = [
            .nmea, .keyValue(separator: "="), .keyValue(separator: ":"),
            .columns(delimiter: ",", names: ["a", "", "c"]),
            .regex(#"T=(?<temperature>-?[0-9.]+)\s+H=(?<humidity>[0-9.]+)"#),
        ]
        guard let parser = try? LineParser(formats[Int(selector) % formats.count]) else {
            return .violated("a built-in line format does not compile")
        }
        let stream = bytes.dropFirst()
        var whole = LineSplitter(maximumLength: 128)
        let lines = whole.feed(stream)
        var parted = LineSplitter(maximumLength: 128)
        let cut = stream.startIndex + (stream.isEmpty ? 0 : Int(selector) % stream.count)
        let partedLines = parted.feed(stream[..<cut]) + parted.feed(stream[cut...])
        if lines != partedLines || whole.garbage != parted.garbage {
            return .violated("cutting the stream at \(cut) changed its lines: \(lines) vs \(partedLines)")
        }
        var outcomes: [FuzzOutcome] = []
        for line in lines {
            if line.utf8.count > 128 || line.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) {
                return .violated("the splitter passed on '\(line)'")
            }
            switch parser.parse(line) {
            case .values(let values): outcomes.append(self.values(values, from: "line '\(line)'"))
            case .ignored: outcomes.append(.accepted)
            case .rejected(let code, let reason):
                outcomes.append(
                    code.isEmpty || reason.isEmpty ? .violated("a rejection without reason") : .refused(reason))
            }
        }
        return .combined(outcomes)
    }

    /// The input as points (6 bytes each: table, address, type, order, bit field) and the
    /// registers a device answered: planned, sliced and decoded as a poll does.
    static func modbus(_ bytes: [UInt8]) -> FuzzOutcome {
        guard bytes.count >= 7 else { return .refused("short") }
        let maxRegisters = 1 + Int(bytes[0]) % 125
        var points: [DevicePoint] = []
        var cursor = 1
        while cursor + 6 <= min(bytes.count, 1 + 6 * 16) {
            let field = Array(bytes[cursor..<(cursor + 6)])
            cursor += 6
            let function = ModbusFunction.allCases[Int(field[0]) % ModbusFunction.allCases.count]
            let type =
                function.isBitTable ? PointType.bool : PointType.allCases[Int(field[3]) % PointType.allCases.count]
            let order = WordOrder.allCases[Int(field[4]) % WordOrder.allCases.count]
            var bit: Int?
            var bitCount: Int?
            if type.isInteger, field[5] & 0x80 != 0 {
                bit = Int(field[5] & 0x3F) % (type.registerCount * 16)
                bitCount = 1 + Int(field[5] >> 6 & 1) * 7
            }
            let span = function.isBitTable ? 1 : type.registerCount
            let address = (Int(field[1]) << 8 | Int(field[2])) % (65_537 - span)
            let codec = RegisterCodec(type: type, order: order, bit: bit, bitCount: bitCount)
            points.append(DevicePoint(name: "p\(points.count)", function: function, address: address, codec: codec))
        }
        let answer = bytes[cursor...]
        for request in RequestPlanner.plan(points, maxRegisters: maxRegisters) {
            var registers: [UInt16] = []
            for index in 0..<request.count {
                let low = answer.isEmpty ? 0 : answer[answer.startIndex + (2 * index) % answer.count]
                let high = answer.isEmpty ? 0 : answer[answer.startIndex + (2 * index + 1) % answer.count]
                registers.append(UInt16(high) << 8 | UInt16(low))
            }
            if request.function.isBitTable { registers = registers.map { $0 & 1 } }
            for point in request.points {
                let slice = request.slice(of: point, in: registers)
                let value = point.codec.decode(slice)
                if let problem = promiseBroken(point.codec, slice: Array(slice), value: value) {
                    return .violated(
                        "\(point.codec.type) \(point.codec.order) bit \(point.codec.bit ?? -1): \(problem)")
                }
            }
            if let first = request.points.first {
                _ = RegisterSearch.candidates(
                    registers: registers, firstAddress: request.address, askedAddress: first.address,
                    expected: Double(registers.first ?? 0))
            }
        }
        return .accepted
    }

    /// What a codec promises of a decoded value: a bit field fits its width; a whole integer
    /// Double holds exactly encodes back to the same registers.
    private static func promiseBroken(_ codec: RegisterCodec, slice: [UInt16], value: Double) -> String? {
        if let _ = codec.bit {
            let width = codec.bitCount ?? 1
            return value >= 0 && value < Double(UInt64(1) << UInt64(width)) ? nil : "bit field read as \(value)"
        }
        switch codec.type {
        case .int16, .uint16, .int32, .uint32:
            let again = codec.encode(value)
            return again == slice ? nil : "\(slice) decoded to \(value) encodes to \(again)"
        case .bool:
            return value == 0 || value == 1 ? nil : "bool read as \(value)"
        default:
            return nil
        }
    }

    /// The input as a CSV import and as the `detect` replay's input: problems name their line;
    /// the replay writes one row per reading, each with a score in [0, 1].
    static func csv(_ bytes: [UInt8]) -> FuzzOutcome {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let lineCount = lines.count
        // Each line also as a time in an API query (`from=…`): a time or nil, never a trap.
        for line in lines {
            _ = TimeArgument.parse(String(decoding: line, as: UTF8.self), now: 1_800_000_000_000_000_000)
        }
        var outcomes: [FuzzOutcome] = []
        do throws(CSVReadings.ProblemList) {
            let samples = try CSVReadings.parse(bytes)
            if samples.count > lineCount { return .violated("\(samples.count) readings from \(lineCount) lines") }
            outcomes.append(.accepted)
        } catch {
            if let wrong = error.problems.first(where: { !(1...lineCount).contains($0.line) }) {
                return .violated("a problem at line \(wrong.line) of \(lineCount)")
            }
            outcomes.append(.refused(error.description))
        }
        do throws(DetectionReplay.Problem) {
            let output = try DetectionReplay.run(bytes, settings: DetectorSettings())
            var rows = output.split(separator: "\n").dropFirst()
            // One row per line after the header; a last line that is empty (or only CR) is no line.
            var inputRows = lines.count - 1
            if let last = lines.last, last.isEmpty || Array(last) == [0x0D] { inputRows -= 1 }
            if rows.count != inputRows { return .violated("\(inputRows) readings in, \(rows.count) rows out") }
            while let row = rows.popFirst() {
                let fields = row.split(separator: ",", omittingEmptySubsequences: false)
                guard fields.count >= 4, let score = Double(fields[fields.count - 2]), (0...1).contains(score) else {
                    return .violated("row '\(row)' has no score in [0, 1]")
                }
            }
            outcomes.append(.accepted)
        } catch {
            outcomes.append(.refused(error.description))
        }
        return .combined(outcomes)
    }

    private static func values(_ values: [String: Double], from source: String) -> FuzzOutcome {
        if let (name, value) = values.first(where: { !$0.value.isFinite }) {
            return .violated("\(source): \(name) = \(value)")
        }
        if let latitude = values["latitude"], !(-90...90).contains(latitude) {
            return .violated("\(source): latitude \(latitude)")
        }
        if let longitude = values["longitude"], !(-180...180).contains(longitude) {
            return .violated("\(source): longitude \(longitude)")
        }
        return .accepted
    }

    private static func hex(_ byte: UInt8) -> String { Hex.digits(byte, uppercase: true) }
}
