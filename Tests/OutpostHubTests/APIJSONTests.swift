import Foundation
import OutpostHub
import Testing

@Suite("APIJSON: the hub's JSON writer")
struct APIJSONTests {
    private struct Edge: Encodable {
        var text: String
        var numbers: [Double]
        var extremes: [Int64]
        var unsigned: UInt64
        var missing: String?
        @OmittedWhenNil var leftOut: Int?
        var flags: [Bool]
        var map: [String: Int]
        var nested: Nested
    }

    /// Encodes through nested containers and a super encoder, as hand-written encoders may.
    private struct Nested: Encodable {
        enum Keys: String, CodingKey { case inner, list, tail }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            var inner = container.nestedContainer(keyedBy: Keys.self, forKey: .inner)
            try inner.encode(1, forKey: .tail)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try list.encode("a")
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encode(2.5)
            try container.encode(true, forKey: .tail)
        }
    }

    @Test(
        "Hostile values: quotes, backslashes, control characters, emoji, NaN, ±∞, Int64.min/max, UInt64.max, -0, 1e-310"
    )
    func hostileValues() throws {
        let edge = Edge(
            text: "a\"b\\c\n\r\t\u{0}\u{1F}/é😀", numbers: [.nan, .infinity, -.infinity, -0.0, 1e-310, 85, 21.3, 1e300],
            extremes: [.min, .max, 0, -1], unsigned: .max, missing: nil, leftOut: nil, flags: [true, false],
            map: ["k": 1], nested: Nested())
        let bytes = try APIJSON.encode(edge)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(
            text.hasPrefix(
                #"{"text":"a\"b\\c\n\r\t\u0000\u001f/é😀","numbers":[null,null,null,0,1e-310,85,21.3,1e+300],"#))
        #expect(
            text.contains(
                #""extremes":[-9223372036854775808,9223372036854775807,0,-1],"unsigned":18446744073709551615"#))
        #expect(
            text.contains(#""missing":null,"flags":[true,false]"#), "a nil optional is null; an omitted one is absent")
        #expect(!text.contains("leftOut") && !text.contains("left_out"))
        #expect(text.hasSuffix(#""nested":{"inner":{"tail":1},"list":["a",[2.5]],"tail":true}}"#), "\(text)")
        // Another parser reads it back the same.
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(parsed["text"] as? String == edge.text)
        #expect((parsed["extremes"] as? [NSNumber])?.map(\.int64Value) == edge.extremes)
        #expect((parsed["unsigned"] as? NSNumber)?.uint64Value == .max)
    }

    @Test("An API answer reads back with JSONDecoder, field by field")
    func roundTrip() throws {
        struct Page: Decodable {
            struct Gateway: Decodable {
                let id: String
                let last_seen: Int64?
                let latitude: Double?
            }
            let gateways: [Gateway]
            let next_offset: Int?
        }
        let page = try JSONDecoder().decode(Page.self, from: Data(APIJSON.encode(API.GatewayPage.examples[0])))
        #expect(page.gateways.map(\.id) == ["gw-1", "gw-1"] && page.next_offset == 2)
        #expect(page.gateways[0].latitude == -33.9 && page.gateways[1].last_seen == nil)
    }

    @Test("Every double reads back as itself, in the shortest digits, as rows of a chart and alone")
    func doublesReadBack() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [
            .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
            .ulpOfOne, 0.1, 0.3, 1e-7, 123_456.5, 1e15 + 0.5, 1e16, -2.5e-300, 20.446190476190478,
        ]
        for _ in 0..<5000 {
            let value = Double(bitPattern: generator.next())
            if value.isFinite { values.append(value) }
        }
        let buckets = values.map {
            API.SeriesBuckets.Bucket(
                RollupBucket(start: 0, aggregate: Aggregate(count: 1, validCount: 1, min: $0, max: $0, sum: $0)))
        }
        let document = API.SeriesBuckets(
            gateway: "g", series: "s", from: 0, to: 1, source: "hour", width: 1, buckets: buckets)
        struct Read: Decodable {
            struct Bucket: Decodable { let min: Double }
            let buckets: [Bucket]
        }
        let read = try JSONDecoder().decode(Read.self, from: Data(APIJSON.encode(document)))
        #expect(read.buckets.map(\.min) == values)
        for value in values where value != value.rounded() {
            #expect(String(decoding: try APIJSON.encode([value]), as: UTF8.self) == "[\(value.description)]")
        }
    }
}
