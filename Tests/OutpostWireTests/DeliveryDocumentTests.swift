import OutpostWire
import Testing

@Suite("The documents between agent and hub: topics, status, live, acknowledgement, refusal codes")
struct DeliveryDocumentTests {
    @Test(
        "Topics: each kind round-trips; another prefix, version, depth, an empty gateway or an unknown kind is no gateway topic"
    )
    func topics() {
        let topics = GatewayTopics(gateway: "gw-7")
        for kind in GatewayTopics.Kind.allCases {
            let parsed = GatewayTopics.parse(topics.topic(kind))
            #expect(parsed?.gateway == "gw-7" && parsed?.kind == kind)
        }
        #expect(topics.batch == "outpost/v1/gw-7/batch" && topics.status == "outpost/v1/gw-7/status")
        for topic in [
            "outpost/v2/gw-7/batch", "other/v1/gw-7/batch", "outpost/v1//batch", "outpost/v1/gw-7/shell",
            "outpost/v1/gw-7/batch/x", "", "outpost/v1/gw-7/",
        ] {
            #expect(GatewayTopics.parse(topic) == nil, "\(topic)")
        }
    }

    @Test("Status: the agent's document round-trips; the last will reads as offline with nothing else known")
    func status() throws {
        var document = StatusDocument(state: StatusDocument.online)
        document.gateway = "gw-7"
        document.version = "1.2.0"
        document.backlogReadings = 1_200
        document.clock = "synchronised"
        document.oldestUnsentAgeSeconds = 12.5
        var source = StatusDocument.Source()
        source.errors = ["timeout": 3]
        source.lastError = "a \"quoted\"\nline"
        document.sources = ["dev": source]
        #expect(try StatusDocument(json: document.encoded()) == document)
        let will = try StatusDocument(json: StatusDocument.lastWill)
        #expect(will.isOffline && will.gateway.isEmpty && will.backlogReadings == 0 && will.sources.isEmpty)
        #expect(!document.isOffline)
    }

    @Test(
        "Status from outside: too big, not JSON, no state, counts beyond Int64, wrong types: refused in words, no trap")
    func hostileStatus() {
        let big =
            Array(#"{"state":"online","gateway":""#.utf8) + [UInt8](repeating: 0x61, count: StatusDocument.maxBytes)
            + Array(#""}"#.utf8)
        let cases: [[UInt8]] = [
            big, Array("not json".utf8), Array("{}".utf8), Array("[]".utf8), [],
            Array(#"{"state":"online","backlog_readings":18446744073709551615}"#.utf8),
            Array(#"{"state":"online","time":-1e400}"#.utf8), Array(#"{"state":3}"#.utf8),
            Array(#"{"state":"online","sources":{"dev":{"errors":"many"}}}"#.utf8),
            Array(#"{"state":"online","backlog_readings":-5}"#.utf8),
            Array(#"{"state":"online","in_flight":-9223372036854775808}"#.utf8),
        ]
        for json in cases {
            #expect(throws: DocumentError.self) { try StatusDocument(json: json) }
        }
        #expect(throws: DocumentError("a status document of \(big.count) bytes, above \(StatusDocument.maxBytes)")) {
            try StatusDocument(json: big)
        }
        #expect(
            throws: DocumentError(
                "a status document that does not read as StatusDocument: 'backlog_readings' is not valid (negative count)"
            )
        ) {
            try StatusDocument(json: Array(#"{"state":"online","backlog_readings":-1}"#.utf8))
        }
    }

    @Test(
        "Live: series names with quotes, backslashes and control characters round-trip; NaN and infinities are left out"
    )
    func live() throws {
        let names = ["dev.flow", "a \"quoted\" name", "back\\slash", "tab\there", "line\u{1}", "ünïcödé", ""]
        var values = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, Double($0) + 0.5) })
        values["nan"] = .nan
        values["inf"] = -.infinity
        let document = LiveDocument(time: TimeWindow.upperBound, values: values)
        #expect(document.values.count == names.count)
        #expect(try LiveDocument(json: document.encoded()) == document)
        #expect(LiveDocument(time: 0, values: ["x": .greatestFiniteMagnitude]).values["x"] == .greatestFiniteMagnitude)
    }

    @Test("Live from outside: too big, not an object of numbers, no time: refused")
    func hostileLive() {
        let big =
            Array(#"{"time":1,"values":{"x":""#.utf8) + [UInt8](repeating: 0x31, count: LiveDocument.maxBytes)
            + Array("}}".utf8)
        for json in [
            big, Array("{}".utf8), Array(#"{"time":1,"values":{"x":"1"}}"#.utf8), Array(#"{"time":1}"#.utf8),
            Array(#"{"time":1.5e300,"values":{}}"#.utf8), Array(#"{"time":1,"values":[1,2]}"#.utf8),
            Array(#"{"time":-9223372036854775808,"values":{}}"#.utf8),
            Array(#"{"time":9223372036854775807,"values":{}}"#.utf8),
        ] {
            #expect(throws: DocumentError.self) { try LiveDocument(json: json) }
        }
    }

    @Test("A live document's time outside what a reading can have is refused, saying so")
    func liveTimeOutside() {
        #expect(
            throws: DocumentError(
                "a live document that does not read as LiveDocument: 'time' is not valid (outside 1970-01-01 to 2200-01-01)"
            )
        ) {
            try LiveDocument(json: Array(#"{"time":-1,"values":{}}"#.utf8))
        }
    }

    @Test("Refusal codes: stable snake_case words, each once; a wire error names its code")
    func refusalCodes() {
        let codes: [RefusalCode] = [
            .truncated, .badMagic, .unknownVersion, .crcMismatch, .badSignature, .unknownGateway, .revokedGateway,
            .limitExceeded, .malformed, .invalidJSON, .implausibleTime, .undecodableChunk, .topicMismatch, .badStatus,
            .badLive,
        ]
        #expect(Set(codes.map(\.rawValue)).count == codes.count)
        #expect(codes.allSatisfy { $0.rawValue.allSatisfy { $0.isLowercase || $0 == "_" } })
        #expect(
            WireError.badSignature(gateway: "g", reason: "gateway was revoked", code: .revokedGateway).reasonCode
                == .revokedGateway)
        #expect(WireError.badMagic.reasonCode.description == "bad_magic")
    }
}

@Suite("Hex, the one formatter")
struct HexTests {
    @Test("Numbers at their type's full width, either case; bytes and back; odd or foreign digits are no bytes")
    func digitsAndBytes() {
        #expect(Hex.digits(UInt8(0)) == "00" && Hex.digits(UInt8(0xAB), uppercase: true) == "AB")
        #expect(Hex.digits(UInt16(0xFF)) == "00ff" && Hex.digits(UInt32.max) == "ffffffff")
        #expect(Hex.digits(UInt64(0)) == String(repeating: "0", count: 16) && Hex.digits(UInt64.max).count == 16)
        let bytes: [UInt8] = [0, 1, 0x7F, 0x80, 0xFF]
        #expect(Hex.encode(bytes) == "00017f80ff" && Hex.decode("00017F80ff") == bytes)
        #expect(Hex.decode("abc") == nil && Hex.decode("zz") == nil && Hex.decode("") == [])
    }
}
