import OutpostConfig
import OutpostDevices
import OutpostTestSupport
import Testing

@Suite("Device profiles and board definitions")
struct ProfileTests {
    static let root = packageRoot()
    static let library = ProfileLibrary(folders: [root + "/hardware"])
    static let deviceNames = library.availableNames()
    static let boardFiles = directoryEntries(root + "/hardware/boards").map(\.name).filter { $0.hasSuffix(".toml") }
        .sorted()

    @Test("At least eight real devices are described")
    func enoughDevices() {
        #expect(Self.deviceNames.count >= 8)
    }

    @Test("Every profile loads and passes its checks", arguments: deviceNames)
    func profileLoads(name: String) throws {
        let profile = try Self.library.profile(named: name)
        #expect(profile.name == name)
        #expect(!profile.datasheet.isEmpty)
        for point in profile.points {
            #expect(point.addresses.upperBound <= 65_536)
            #expect(point.limits != nil, "\(name).\(point.name) has no limits")
            if point.function.isBitTable { #expect(point.codec.type == .bool) }
        }
        // Every point is planned into a request that respects the device's maximum and its forbidden ranges.
        let requests = RequestPlanner.plan(
            profile.points, maxRegisters: profile.maxRegistersPerRequest, forbidden: profile.forbidden)
        #expect(Set(requests.flatMap(\.points).map(\.name)) == Set(profile.points.map(\.name)))
        for request in requests where !request.function.isBitTable {
            #expect(request.count <= profile.maxRegistersPerRequest)
            let span = request.address...(request.address + request.count - 1)
            #expect(!profile.forbidden.contains { $0.overlaps(span) })
        }
    }

    @Test("Every board definition loads", arguments: boardFiles)
    func boardLoads(file: String) throws {
        let path = Self.root + "/hardware/boards/" + file
        let board = try BoardDefinition(toml: String(decoding: readFileBytes(path), as: UTF8.self), file: path)
        #expect(board.name + ".toml" == file)
        #expect(!board.serialPorts.isEmpty)
    }

    @Test("Profile mistakes are reported with file, line and key")
    func profileErrors() {
        let base = """
            [device]
            name = "x"
            manufacturer = "m"
            model = "m"
            datasheet = "d"

            [[points]]
            name = "a"
            function = "holding"
            address = 10
            type = "float32"

            [[points]]
            name = "b"
            function = "holding"
            address = 11
            """
        func problem(_ text: String) -> String {
            do {
                _ = try DeviceProfile(toml: text, file: "x.toml")
                return "accepted"
            } catch {
                return error.description
            }
        }
        #expect(problem(base) == "x.toml: line 13, points[1]: 'b' overlaps 'a' at holding 11")
        #expect(
            problem(base.replacingOccurrences("address = 11", "adress = 12"))
                == "x.toml: line 16, points[1].adress: unknown key 'adress' (did you mean 'address'?); allowed: address, bit, bits, description, function, kind, max, min, name, offset, order, resolution, scale, setting, type, unit"
        )
        #expect(
            problem(base.replacingOccurrences("type = \"float32\"", "type = \"float\"")).hasPrefix(
                "x.toml: line 11, points[0].type: 'float' is not one of bool"))
        #expect(
            problem(base.replacingOccurrences("address = 10", "address = 65535")).hasPrefix(
                "x.toml: line 10, points[0].address: 65535 (+2) is outside"))
        #expect(
            problem(base.replacingOccurrences("address = 10", "address = \"ten\""))
                == "x.toml: line 10, points[0].address: expected an integer, found the string \"ten\"")
        #expect(problem("[device\nname = 1").hasPrefix("x.toml: line 1: not valid TOML"))
        #expect(
            problem(base.replacingOccurrences("address = 10", "address = 10\nsetting = \"yes\""))
                .hasPrefix("x.toml: line 11, points[0].setting: expected"))
    }

    @Test("Bit fields of one register may share it; overlapping bits may not")
    func bitFields() throws {
        let text = """
            [device]
            name = "x"
            manufacturer = "m"
            model = "m"
            datasheet = "d"
            [[points]]
            name = "low"
            function = "holding"
            address = 1
            bit = 0
            bits = 4
            [[points]]
            name = "high"
            function = "holding"
            address = 1
            bit = 4
            bits = 4
            """
        #expect(try DeviceProfile(toml: text, file: "x.toml").points.count == 2)
        #expect(throws: ConfigError.self) {
            try DeviceProfile(toml: text.replacingOccurrences("bit = 4", "bit = 3"), file: "x.toml")
        }
    }

    @Test("An unknown profile name lists the known ones")
    func unknownProfile() {
        #expect { try Self.library.profile(named: "nope") } throws: { error in
            "\(error)".contains("no device profile 'nope'") && "\(error)".contains("eastron-sdm120")
        }
    }
}
