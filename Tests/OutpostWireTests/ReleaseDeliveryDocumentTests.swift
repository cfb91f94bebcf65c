import OutpostTestSupport
import OutpostWire
import Testing

/// The documents that carry a release through the broker, against hostile input: whatever a
/// broker, a stolen gateway or a broken hub sends, each is read or refused, never trusted past
/// its bounds and never a crash.
@Suite("Release delivery documents: offers, requests and chunks at their edges")
struct ReleaseDeliveryDocumentTests {
    /// An offer's JSON with `value` (raw JSON) in place of the good value of each key given.
    func offerJSON(_ replaced: [String: String] = [:]) -> String {
        let values = [
            "gateway": #""gw-1""#, "version": #""0.2.0""#, "issued_at": "1796000000000000000",
            "manifests": #"["{}"]"#, "chunk_size": "65536", "trial_s": "600",
        ].merging(replaced) { $1 }
        return "{" + values.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
    }

    func decodeOffer(_ json: String) -> ReleaseOffer? {
        try? DocumentJSON.decode(Array(json.utf8), maxBytes: SignedHubDocument.maxBytes, what: "offer")
    }

    @Test("An offer round-trips; its version, time, manifests, chunk size and trial are checked")
    func offers() throws {
        let offer = ReleaseOffer(
            gateway: "gw-1", version: "0.2.0", issuedAt: 1_796_000_000_000_000_000, manifests: ["{\"a\":1}"])
        let json = try #require(DocumentJSON.encode(offer))
        #expect(decodeOffer(String(decoding: json, as: UTF8.self)) == offer)
        #expect(decodeOffer(offerJSON()) != nil)
        // Each field at and past its edge.
        let refused: [(String, String)] = [
            ("version", #""0.2""#), ("version", #""01.2.0""#), ("version", #""0.2.0-rc1""#), ("version", "2"),
            ("issued_at", "-9223372036854775808"), ("issued_at", "9223372036854775807"),
            ("manifests", "[]"), ("manifests", #"["1","2","3","4","5","6","7","8","9"]"#),
            ("manifests", "[\"" + String(repeating: "x", count: 4097) + "\"]"),
            ("chunk_size", "1023"), ("chunk_size", "1048577"), ("chunk_size", "-1"),
            ("chunk_size", "18446744073709551615"), ("trial_s", "4"), ("trial_s", "86401"),
            ("trial_s", "-9223372036854775808"), ("trial_s", #""600""#), ("gateway", "null"),
        ]
        for (key, value) in refused {
            #expect(decodeOffer(offerJSON([key: value])) == nil, "accepted \(key) = \(value.prefix(40))")
        }
        #expect(decodeOffer(offerJSON(["chunk_size": "1024", "trial_s": "5"])) != nil, "the lower edges hold")
        #expect(decodeOffer(offerJSON(["chunk_size": "1048576", "trial_s": "86400"])) != nil, "the upper edges hold")
    }

    @Test("A request round-trips; offsets and lengths outside a release, and other versions' forms, are refused")
    func requests() throws {
        let request = ReleaseRequest(version: "0.2.0", architecture: "arm64", offset: 65_536, length: 1_048_576)
        #expect(try ReleaseRequest(json: request.encoded()) == request)
        func read(_ json: String) -> ReleaseRequest? { try? ReleaseRequest(json: Array(json.utf8)) }
        let good = #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":1}"#
        #expect(read(good) != nil)
        for bad in [
            #"{"version":"0.2.0","architecture":"amd64","offset":-1,"length":1}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":-9223372036854775808,"length":1}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":9223372036854775807,"length":1}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":268435456,"length":1}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":0}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":1048577}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":9223372036854775807}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":1.5}"#,
            #"{"version":"../0.2.0","architecture":"amd64","offset":0,"length":1}"#,
            #"{"version":"0.2.0","architecture":"sparc","offset":0,"length":1}"#,
            #"{"version":"0.2.0","architecture":"amd64","offset":0}"#, "", "[]", "null",
            #"{"version":"0.2.0","architecture":"amd64","offset":0,"length":1,"pad":""#
                + String(repeating: "x", count: 2000) + "\"}",
        ] {
            #expect(read(bad) == nil, "accepted \(bad.prefix(120))")
        }
    }

    @Test("A chunk round-trips; one without bytes, short,, foreign or out of range is not a chunk")
    func chunks() {
        let chunk = ReleaseChunk(version: "0.2.0", architecture: "arm64", offset: 1 << 20, bytes: [0, 1, 2, 255])
        #expect(ReleaseChunk(encoded: chunk.encoded()) == chunk)
        #expect(
            ReleaseChunk(encoded: ReleaseChunk(version: "0.2.0", architecture: "arm64", offset: 0, bytes: []).encoded())
                == nil)
        let encoded = chunk.encoded()
        #expect(ReleaseChunk(encoded: []) == nil)
        #expect(ReleaseChunk(encoded: Array("ORC1".utf8)) == nil)
        #expect(ReleaseChunk(encoded: Array("ORC2".utf8) + encoded.dropFirst(4)) == nil)
        for cut in 4..<(encoded.count - 4) {
            #expect(ReleaseChunk(encoded: Array(encoded.prefix(cut))) == nil, "cut at \(cut)")
        }
        // A length byte that points past the end.
        var long = encoded
        long[4] = 255
        #expect(ReleaseChunk(encoded: long) == nil)
        // An offset of UInt64.max, and one at 256 MiB: past any release.
        let offsetAt = 4 + 1 + 5 + 1 + 5
        for high: [UInt8] in [[UInt8](repeating: 0xFF, count: 8), [0, 0, 0, 0, 0x10, 0, 0, 0]] {
            var far = encoded
            far.replaceSubrange(offsetAt..<(offsetAt + 8), with: high)
            #expect(ReleaseChunk(encoded: far) == nil)
        }
        // Invalid UTF-8 in the version.
        var garbled = encoded
        garbled[5] = 0xFF
        #expect(ReleaseChunk(encoded: garbled) == nil)
        // Random bytes never crash the reader.
        var random = SplitMix(seed: 7)
        for _ in 0..<2_000 {
            let count = Int(random.nextBits() % 64)
            let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.nextBits()) }
            _ = ReleaseChunk(encoded: Array("ORC1".utf8) + bytes)
        }
    }
}
