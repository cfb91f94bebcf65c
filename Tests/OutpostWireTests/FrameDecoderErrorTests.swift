import OutpostSigning
import Testing

@testable import OutpostWire

@Suite("Frame decoder refuses bad input with typed errors")
struct FrameDecoderErrorTests {
    let golden = Fixtures.read("Golden/frame-v1.bin")
    let verifier: GatewayKeyVerifier

    init() throws {
        verifier = try GoldenFrame.verifier()
    }

    func decode(_ bytes: [UInt8], limits: FrameLimits = .default) throws(WireError) -> BatchFrame {
        try FrameDecoder(limits: limits).decode(bytes, verifier: verifier)
    }

    /// Recomputes the CRC after a deliberate change, as an attacker would.
    func withFixedCRC(_ bytes: [UInt8]) -> [UInt8] {
        var fixed = Array(bytes.dropLast(4))
        withUnsafeBytes(of: CRC32C.checksum(fixed).littleEndian) { fixed.append(contentsOf: $0) }
        return fixed
    }

    @Test("A NUL in a series name or unit is refused, by the decoder and by the encoder")
    func nulInNames() throws {
        let frame = try decode(golden)
        let name = try #require(frame.series.first?.name)
        // The name's first byte made NUL, the CRC mended, the signature not checked: the name is refused.
        let nameBytes = Array(name.utf8)
        let at = try #require(
            golden.indices.first { golden[$0...].starts(with: nameBytes) })
        var patched = golden
        patched[at + nameBytes.count - 1] = 0
        #expect {
            try FrameDecoder().decode(withFixedCRC(patched), verifier: AcceptAnySignature())
        } throws: { error in
            "\(error)".contains("NUL")
        }
        for (name, unit) in [("a\u{0}b", "V"), ("ab", "°\u{0}C")] {
            var bad = frame
            bad.series[0].name = name
            bad.series[0].unit = unit
            #expect(throws: WireError.self) { try bad.checkConsistency() }
        }
    }

    @Test("Every truncation is refused as truncated, bad magic or CRC mismatch")
    func truncations() {
        for length in 0..<golden.count {
            do {
                _ = try decode(Array(golden.prefix(length)))
                Issue.record("a \(length)-byte prefix decoded")
            } catch {
                switch error {
                case .truncated, .crcMismatch: break
                default: Issue.record("prefix of \(length) bytes: unexpected \(error)")
                }
            }
        }
    }

    @Test("Bad magic")
    func badMagic() {
        var bytes = golden
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: WireError.badMagic) { try decode(bytes) }
        #expect(throws: WireError.badMagic) { try decode(Array("GET / HTTP/1.1\r\n".utf8)) }
    }

    @Test("Unknown version")
    func unknownVersion() {
        var bytes = golden
        bytes[4] = 2
        #expect(throws: WireError.unknownVersion(2)) { try decode(bytes) }
    }

    @Test("CRC mismatch")
    func crcMismatch() {
        var bytes = golden
        bytes[40] ^= 0x10
        #expect { try decode(bytes) } throws: { ($0 as? WireError)?.reasonCode == .crcMismatch }
    }

    @Test("Bad signatures: wrong key, unknown gateway, unsigned, forged")
    func badSignatures() throws {
        let stranger = GatewayFrameSigner.generate()
        let frame = try GoldenFrame.make()
        let signedByStranger = try frame.encoded(signer: stranger)
        #expect { try decode(signedByStranger) } throws: { ($0 as? WireError)?.reasonCode == .badSignature }

        let unsigned = try frame.encoded(signer: UnsignedFrameSigner())
        #expect { try decode(unsigned) } throws: { error in
            guard case .badSignature(_, let reason, _) = error as? WireError else { return false }
            return reason.contains("none")
        }
        let unknownGateway = FrameDecoder()
        #expect { try unknownGateway.decode(golden, verifier: GatewayKeyVerifier(keys: [:])) } throws: { error in
            guard case .badSignature(let gateway, let reason, _) = error as? WireError else { return false }
            return gateway == GoldenFrame.gateway && reason.contains("not enrolled")
        }
        // Same sequence number, different data, CRC recomputed: the signature catches it.
        var forged = golden
        forged[golden.count / 2] ^= 1
        #expect { try decode(withFixedCRC(forged)) } throws: { $0 is WireError }
    }

    @Test("Limits are enforced before allocation")
    func limits() throws {
        #expect { try decode(golden, limits: FrameLimits(maxFrameBytes: 100)) } throws: { error in
            guard case .limitExceeded(let limit, _, _, _) = error as? WireError else { return false }
            return limit == "frame size"
        }
        #expect { try decode(golden, limits: FrameLimits(maxSeries: 2)) } throws: { error in
            guard case .limitExceeded(let limit, _, _, _) = error as? WireError else { return false }
            return limit == "series count"
        }
        #expect { try decode(golden, limits: FrameLimits(maxSamplesPerChunk: 4)) } throws: { error in
            guard case .limitExceeded(let limit, _, _, _) = error as? WireError else { return false }
            return limit == "samples per chunk"
        }
        #expect { try decode(golden, limits: FrameLimits(maxSamplesPerFrame: 10)) } throws: { error in
            guard case .limitExceeded(let limit, _, _, _) = error as? WireError else { return false }
            return limit == "samples per frame"
        }
        #expect { try decode(golden, limits: FrameLimits(maxNameBytes: 5)) } throws: { error in
            guard case .limitExceeded(let limit, _, _, _) = error as? WireError else { return false }
            return limit == "series name length"
        }
    }

    @Test("A huge declared count in a tiny frame is refused without allocating for it")
    func hostileCounts() throws {
        // A chunk record claiming a million samples in a 3-byte payload.
        var writer = ByteWriter()
        writer.writeVarUInt(1_000_000)
        writer.write(0)
        for _ in 0..<4 { writer.writeVarInt(0) }
        writer.writeVarUInt(0)
        writer.writeVarUInt(3)
        writer.write([0, 0, 0])
        #expect { try Chunk(record: writer.bytes) } throws: { error in
            guard case .malformed(let field, _, let reason) = error as? WireError else { return false }
            return field == "chunk.count" && reason.contains("cannot fit")
        }
        // A varint that never ends.
        #expect { try Chunk(record: [UInt8](repeating: 0xFF, count: 20)) } throws: { error in
            guard case .malformed(_, _, let reason) = error as? WireError else { return false }
            return reason.contains("varint")
        }
    }

    @Test("Bytes after the last chunk, unknown flags and dangling series ids are malformed")
    func structure() throws {
        let frame = try GoldenFrame.make()
        var dangling = frame
        dangling.chunks[0].seriesID = 99
        #expect { try dangling.encoded(signer: UnsignedFrameSigner()) } throws: { error in
            guard case .malformed(_, _, let reason) = error as? WireError else { return false }
            return reason.contains("not in the dictionary")
        }
        var duplicate = frame
        duplicate.series[1].id = 0
        #expect { try duplicate.encoded(signer: UnsignedFrameSigner()) } throws: { error in
            guard case .malformed(_, _, let reason) = error as? WireError else { return false }
            return reason.contains("appears twice")
        }
        var badGateway = frame
        badGateway.gatewayID = "gw 1/../etc"
        #expect(throws: WireError.self) { try badGateway.encoded(signer: UnsignedFrameSigner()) }

        var flags = golden
        flags[5] = 0x80
        #expect { try FrameDecoder().decode(withFixedCRC(flags), verifier: AcceptAnySignature()) } throws: { error in
            guard case .malformed(let field, _, _) = error as? WireError else { return false }
            return field == "flags"
        }
    }

    @Test("A summary that lies about its samples is refused")
    func lyingSummary() throws {
        let columns = SampleColumns(timestamps: [1, 2, 3], values: [1.5, 2.5, 3.5])
        let chunk = try Chunk(encoding: columns, resolution: nil, clockSynchronised: true)
        var record = chunk.serialized()
        // The XOR summary's min is the first double after the header fields; patch its last byte.
        let minimumOffset = record.count - chunk.payloadByteCount - 1 - 40
        record[minimumOffset + 7] ^= 0x01
        let parsed = try Chunk(record: record)
        #expect(parsed.payloadProblem()?.contains("summary") == true)
    }
}

@Suite("Chunk payloads that end early")
struct TruncatedPayloadTests {
    @Test("Every shortened payload is refused, down to a single XOR value")
    func shortenedPayloads() throws {
        for resolution in [nil, Resolution(0.1)] {
            for count in [1, 2, 50] {
                let columns = SampleShape.noisy.columns(count: count, seed: 3)
                let chunk = try Chunk(encoding: columns, resolution: resolution, clockSynchronised: true)
                let record = chunk.serialized()
                let payload = Array(record.suffix(chunk.payloadByteCount))
                let header = Array(record.dropLast(chunk.payloadByteCount + 1))
                // Rebuild the record with a shorter payload and a matching length byte.
                for kept in 0..<payload.count where payload.count < 128 {
                    let shortened = header + [UInt8(kept)] + payload.prefix(kept)
                    guard let parsed = try? Chunk(record: shortened) else { continue }
                    #expect(throws: WireError.self, "\(count) samples, \(kept) of \(payload.count) bytes") {
                        try parsed.decode()
                    }
                }
            }
        }
    }
}
