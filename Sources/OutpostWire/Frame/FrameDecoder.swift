/// Reads binary batch frames from untrusted input.
///
/// Checks run cheapest first and before any allocation sized by the input: size limit, magic,
/// version, CRC-32C, then the header up to the gateway id, then the signature (so nothing an
/// unauthenticated sender wrote is parsed further), then the body. Every count is checked against
/// its limit and against the bytes that remain before anything is reserved for it. Chunk payloads
/// are decoded once to prove they are well formed.
package struct FrameDecoder: Sendable {
    /// The limits in force.
    package var limits: FrameLimits

    /// Creates a decoder with `limits`.
    package init(limits: FrameLimits = .default) {
        self.limits = limits
    }

    /// The gateway id a frame claims, read after the magic, version and CRC check, without
    /// verifying the signature: for routing and for counting refused frames per gateway.
    package func claimedGateway(of bytes: [UInt8]) throws(WireError) -> String {
        var reader = try checkedReader(bytes)
        return try readGatewayID(&reader)
    }

    /// Decodes and authenticates a frame.
    package func decode(_ bytes: [UInt8], verifier: some FrameVerifier) throws(WireError) -> BatchFrame {
        var reader = try checkedReader(bytes)
        let gatewayID = try readGatewayID(&reader)
        let algorithmOffset = bytes.count - BatchFrame.trailerByteCount
        guard let algorithm = SignatureAlgorithm(rawValue: bytes[algorithmOffset]) else {
            throw .badSignature(
                gateway: gatewayID, reason: "unknown signature algorithm \(bytes[algorithmOffset])", code: .badSignature
            )
        }
        let signature = bytes[(algorithmOffset + 1)..<(bytes.count - 4)]
        if let rejection = verifier.rejection(
            of: signature, algorithm: algorithm, message: bytes[..<(algorithmOffset + 1)], gateway: gatewayID)
        {
            throw .badSignature(gateway: gatewayID, reason: rejection.message, code: rejection.code)
        }
        var frame = try readBody(&reader, gatewayID: gatewayID, kind: FrameKind(rawValue: bytes[5]) ?? .readings)
        frame.signatureAlgorithm = algorithm
        frame.signature = Array(signature)
        return frame
    }

    /// A reader over the body, after the size, magic, version and CRC checks.
    private func checkedReader(_ bytes: [UInt8]) throws(WireError) -> ByteReader {
        guard bytes.count <= limits.maxFrameBytes else {
            throw .limitExceeded(
                limit: "frame size", value: UInt64(bytes.count), maximum: UInt64(limits.maxFrameBytes), offset: 0)
        }
        guard bytes.count >= 4 else { throw .truncated(field: "magic", offset: 0) }
        guard bytes.starts(with: BatchFrame.magic) else { throw .badMagic }
        guard bytes.count >= 5 else { throw .truncated(field: "version", offset: 4) }
        guard bytes[4] == BatchFrame.formatVersion else { throw .unknownVersion(bytes[4]) }
        let minimum = 6 + BatchFrame.trailerByteCount
        guard bytes.count >= minimum else { throw .truncated(field: "frame", offset: bytes.count) }
        let crcOffset = bytes.count - 4
        let stored = ByteReader.littleEndianUInt32(bytes, at: crcOffset)
        let computed = CRC32C.checksum(bytes[..<crcOffset])
        guard stored == computed else { throw .crcMismatch(stored: stored, computed: computed) }
        guard FrameKind(rawValue: bytes[5]) != nil else {
            throw .malformed(field: "flags", offset: 5, reason: "reserved flag bits set (\(bytes[5]))")
        }
        return ByteReader(bytes, offset: 6, end: bytes.count - BatchFrame.trailerByteCount)
    }

    private func readGatewayID(_ reader: inout ByteReader) throws(WireError) -> String {
        let offset = reader.offset
        let gatewayID = try reader.readString(
            "gateway_id", maxBytes: limits.maxGatewayIDBytes, limit: "gateway id length")
        if let problem = BatchFrame.problem(gatewayID: gatewayID, limits: limits) {
            throw .malformed(field: "gateway_id", offset: offset, reason: problem)
        }
        return gatewayID
    }

    private func readBody(_ reader: inout ByteReader, gatewayID: String, kind: FrameKind) throws(WireError)
        -> BatchFrame
    {
        let sequence = try reader.readUInt64("sequence")
        let bootOffset = reader.offset
        guard let bootID = BootID(bytes: try reader.readBytes(16, "boot_id")) else {
            throw .truncated(field: "boot_id", offset: bootOffset)
        }
        let clockOffset = reader.offset
        let clockByte = try reader.readByte("clock_state")
        guard let clockState = ClockState(rawValue: clockByte) else {
            throw .malformed(field: "clock_state", offset: clockOffset, reason: "unknown clock state \(clockByte)")
        }
        let createdAt = try reader.readInt64("created_at")
        let createdMonotonic = try reader.readInt64("created_monotonic")
        let series = try readSeries(&reader)
        let dictionary = Dictionary(series.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var frame = BatchFrame(
            gatewayID: gatewayID, sequence: sequence, bootID: bootID, clockState: clockState, createdAt: createdAt,
            createdMonotonic: createdMonotonic, series: series, chunks: [])
        frame.kind = kind
        if kind == .summary {
            frame.summaries = try readSummaries(&reader, dictionary: dictionary)
        } else {
            frame.chunks = try readChunks(&reader, dictionary: dictionary)
        }
        guard reader.remaining == 0 else {
            throw .malformed(
                field: "frame", offset: reader.offset, reason: "\(reader.remaining) bytes after the last chunk")
        }
        return frame
    }

    private func readSummaries(_ reader: inout ByteReader, dictionary: [UInt32: SeriesDescriptor]) throws(WireError)
        -> [MinuteSummary]
    {
        // An entry takes at least 5 bytes (series id, minute, count, valid count, newest).
        let count = try reader.readCount(
            "summary_count", maximum: min(limits.maxChunks, reader.remaining / 5), limit: "summary count")
        var summaries: [MinuteSummary] = []
        summaries.reserveCapacity(count)
        var samples = 0
        var previous: MinuteSummary?
        for index in 0..<count {
            let offset = reader.offset
            let entry = try MinuteSummary(
                reading: &reader, dictionary: dictionary, previousMinute: previous?.minute ?? 0, limits: limits,
                field: { "summaries[\(index)]" })
            if let previous, (previous.seriesID, previous.minute) >= (entry.seriesID, entry.minute) {
                throw .malformed(
                    field: "summaries[\(index)]", offset: offset, reason: "not after the entry before (series, minute)")
            }
            samples += entry.count
            guard samples <= limits.maxSamplesPerFrame else {
                throw .limitExceeded(
                    limit: "samples per frame", value: UInt64(samples), maximum: UInt64(limits.maxSamplesPerFrame),
                    offset: offset)
            }
            summaries.append(entry)
            previous = entry
        }
        return summaries
    }

    private func readSeries(_ reader: inout ByteReader) throws(WireError) -> [SeriesDescriptor] {
        // An entry takes at least 5 bytes (id, name length, one name byte, unit length, kind, resolution).
        let count = try reader.readCount(
            "series_count", maximum: min(limits.maxSeries, reader.remaining / 5), limit: "series count")
        var series: [SeriesDescriptor] = []
        series.reserveCapacity(count)
        var seen = Set<UInt32>()
        for index in 0..<count {
            let field = { "series[\(index)]" }
            let offset = reader.offset
            let id = try reader.readCount("\(field()).id", maximum: Int(UInt32.max), limit: "series id")
            let name = try reader.readString(
                "\(field()).name", maxBytes: limits.maxNameBytes, limit: "series name length")
            let unit = try reader.readString("\(field()).unit", maxBytes: limits.maxUnitBytes, limit: "unit length")
            let kindOffset = reader.offset
            let kindByte = try reader.readByte("\(field()).kind")
            guard let kind = SeriesKind(rawValue: kindByte) else {
                throw .malformed(
                    field: "\(field()).kind", offset: kindOffset, reason: "unknown series kind \(kindByte)")
            }
            let resolutionOffset = reader.offset
            let mantissa = try reader.readVarUInt("\(field()).resolution")
            var resolution: Resolution?
            if mantissa != 0 {
                resolution = try reader.readResolution(
                    mantissa: mantissa, startingAt: resolutionOffset, "\(field()).resolution")
            }
            let descriptor = SeriesDescriptor(
                id: UInt32(id), name: name, unit: unit, kind: kind, resolution: resolution)
            if let problem = BatchFrame.problem(series: descriptor, seen: &seen, limits: limits) {
                throw .malformed(field: field(), offset: offset, reason: problem)
            }
            series.append(descriptor)
        }
        return series
    }

    private func readChunks(_ reader: inout ByteReader, dictionary: [UInt32: SeriesDescriptor]) throws(WireError)
        -> [FrameChunk]
    {
        // A chunk entry takes at least 16 bytes (series id, count, flags, four varints, valid count,
        // payload length, one payload byte, and more).
        let count = try reader.readCount(
            "chunk_count", maximum: min(limits.maxChunks, reader.remaining / 8), limit: "chunk count")
        var chunks: [FrameChunk] = []
        chunks.reserveCapacity(count)
        var samples = 0
        for index in 0..<count {
            let field = { "chunks[\(index)]" }
            let offset = reader.offset
            let seriesID = try reader.readCount("\(field()).series", maximum: Int(UInt32.max), limit: "series id")
            let chunk = try Chunk(reading: &reader, limits: limits, field: field())
            let entry = FrameChunk(seriesID: UInt32(seriesID), chunk: chunk)
            if let problem = BatchFrame.problem(chunk: entry, dictionary: dictionary) {
                throw .malformed(field: field(), offset: offset, reason: problem)
            }
            samples += chunk.count
            guard samples <= limits.maxSamplesPerFrame else {
                throw .limitExceeded(
                    limit: "samples per frame", value: UInt64(samples), maximum: UInt64(limits.maxSamplesPerFrame),
                    offset: offset)
            }
            if let problem = chunk.payloadProblem() {
                throw .malformed(field: field(), offset: offset, reason: problem)
            }
            chunks.append(entry)
        }
        return chunks
    }
}

extension ByteReader {
    /// The little-endian UInt32 at `offset`; the caller has checked the bounds.
    static func littleEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]) << 24
    }
}
