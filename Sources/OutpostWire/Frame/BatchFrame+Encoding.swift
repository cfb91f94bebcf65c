extension BatchFrame {
    /// The binary frame, signed by `signer`.
    ///
    /// - Throws: `WireError` when the frame breaks a rule of the format (an unknown series id in a
    ///   chunk, a duplicate series id, an invalid gateway id, a limit exceeded), or the signer's error.
    package func encoded(signer: some FrameSigner, limits: FrameLimits = .default) throws -> [UInt8] {
        try checkConsistency(limits: limits)
        var writer = ByteWriter(capacity: chunks.reduce(256) { $0 + $1.chunk.payloadByteCount + 48 })
        writer.write(Self.magic)
        writer.write(Self.formatVersion)
        writer.write(kind.rawValue)  // flags
        writer.writeString(gatewayID)
        writer.writeUInt64(sequence)
        writer.write(bootID.bytes)
        writer.write(clockState.rawValue)
        writer.writeInt64(createdAt)
        writer.writeInt64(createdMonotonic)
        writer.writeVarUInt(UInt64(series.count))
        for descriptor in series {
            writer.writeVarUInt(UInt64(descriptor.id))
            writer.writeString(descriptor.name)
            writer.writeString(descriptor.unit)
            writer.write(descriptor.kind.rawValue)
            if let resolution = descriptor.resolution {
                writer.writeVarUInt(UInt64(resolution.mantissa))
                writer.write(UInt8(bitPattern: resolution.exponent))
            } else {
                writer.writeVarUInt(0)
            }
        }
        if kind == .summary {
            let resolutions = Dictionary(series.map { ($0.id, $0.resolution) }, uniquingKeysWith: { first, _ in first })
            writer.writeVarUInt(UInt64(summaries.count))
            var previous: Int64 = 0
            for entry in summaries {
                entry.write(to: &writer, resolution: resolutions[entry.seriesID] ?? nil, previousMinute: previous)
                previous = entry.minute
            }
        } else {
            writer.writeVarUInt(UInt64(chunks.count))
            for entry in chunks {
                writer.writeVarUInt(UInt64(entry.seriesID))
                entry.chunk.write(to: &writer)
            }
        }
        writer.write(signer.algorithm.rawValue)
        let signature = try signer.signature(for: writer.bytes[...])
        guard signature.count == SignatureAlgorithm.signatureByteCount else {
            throw WireError.malformed(
                field: "signature", offset: writer.bytes.count,
                reason: "signer returned \(signature.count) bytes, not 64")
        }
        writer.write(signature)
        writer.writeUInt32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }
}

/// Re-attaches a signature that travelled with a frame (the JSON rendering).
struct PresetSignature: FrameSigner {
    let algorithm: SignatureAlgorithm
    let bytes: [UInt8]

    func signature(for message: ArraySlice<UInt8>) throws -> [UInt8] { bytes }
}
