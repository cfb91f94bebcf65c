import OutpostDatasets
import Testing

@testable import OutpostWire

@Suite("Codec building blocks")
struct CodecUnitTests {
    @Test("CRC-32C check value")
    func crc() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        let long = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        // Slice-by-8 and the byte-wise tail must agree with any split.
        #expect(CRC32C.checksum(long[...]) == CRC32C.checksum(Array(long)))
    }

    @Test(
        "Resolutions parse to canonical decimal steps",
        arguments: [
            ("0.1", "0.1", UInt32(1), Int8(-1)), ("0.01", "0.01", 1, -2), ("1", "1", 1, 0), ("0.25", "0.25", 25, -2),
            ("1000", "1000", 1, 3), ("5", "5", 5, 0), ("0.005", "0.005", 5, -3), ("1e-6", "0.000001", 1, -6),
        ])
    func resolutions(text: String, rendered: String, mantissa: UInt32, exponent: Int8) throws {
        let resolution = try #require(Resolution(parsing: text))
        #expect(resolution.mantissa == mantissa && resolution.exponent == exponent)
        #expect(resolution.description == rendered)
    }

    @Test(
        "Steps that are not positive decimals are refused",
        arguments: ["0", "-1", "nan", "inf", "abc", "1e-20", "0.1234567891234"])
    func badResolutions(text: String) {
        #expect(Resolution(parsing: text) == nil)
    }

    @Test("Varints round-trip at every length and reject overlong encodings")
    func varints() throws {
        var writer = ByteWriter()
        let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, UInt64(UInt32.max), .max]
        for value in values { writer.writeVarUInt(value) }
        var reader = ByteReader(writer.bytes)
        for value in values { #expect(try reader.readVarUInt("v") == value) }
        var overflow = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02])
        #expect(throws: WireError.self) { try overflow.readVarUInt("v") }
    }

    @Test("Quality text forms")
    func qualities() {
        for level in Quality.Level.allCases {
            for code: UInt8 in [0, 1, 255] {
                let quality = Quality(level, code: code)
                #expect(Quality(parsing: quality.description) == quality)
            }
        }
        #expect(Quality(parsing: "bad/0") == nil)
        #expect(Quality(parsing: "bad/256") == nil)
        #expect(Quality(wireBits: 3 << 8) == nil)
    }

    @Test("The reference dataset stays within 1.5 bytes per reading on the wire")
    func referenceDatasetSize() throws {
        let frames = try ReferenceDataset.frames(ReferenceDataset.make(seconds: 900), frameSeconds: 300)
        let bytes = try frames.reduce(0) { $0 + (try $1.encoded(signer: UnsignedFrameSigner()).count) }
        let readings = frames.reduce(0) { $0 + $1.sampleCount }
        #expect(readings == 90_000)
        #expect(Double(bytes) / Double(readings) <= 1.5)
    }
}
