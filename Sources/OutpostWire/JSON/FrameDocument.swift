/// The Codable shape of the JSON rendering; one place that maps it to and from `BatchFrame`.
struct FrameDocument: Codable {
    static let formatName = "outpost-batch-frame"

    var format: String
    var version: Int
    var gatewayID: String
    var sequence: UInt64
    var bootID: String
    var clockState: String
    var createdAtNs: Int64
    var createdMonotonicNs: Int64
    var series: [SeriesDocument]
    var chunks: [ChunkDocument]
    /// `summary` or `deferred_readings`; absent for readings.
    var kind: String?
    var summaries: [MinuteSummaryDocument]?
    var signature: SignatureDocument?

    enum CodingKeys: String, CodingKey {
        case format, version, series, chunks, signature, sequence, kind, summaries
        case gatewayID = "gateway_id"
        case bootID = "boot_id"
        case clockState = "clock_state"
        case createdAtNs = "created_at_ns"
        case createdMonotonicNs = "created_monotonic_ns"
    }

    struct SeriesDocument: Codable {
        var id: UInt32
        var name: String
        var unit: String
        var kind: String
        var resolution: String?
    }

    struct ChunkDocument: Codable {
        var seriesID: UInt32
        var clockSynchronised: Bool
        var firstMonotonicNs: Int64
        var timestampsNs: [Int64]
        var values: [JSONDouble]
        var qualities: [String]?
        var summary: SummaryDocument?

        enum CodingKeys: String, CodingKey {
            case values, qualities, summary
            case seriesID = "series_id"
            case clockSynchronised = "clock_synchronised"
            case firstMonotonicNs = "first_monotonic_ns"
            case timestampsNs = "timestamps_ns"
        }
    }

    struct SummaryDocument: Codable {
        var validCount: Int
        var min: JSONDouble
        var max: JSONDouble
        var sum: JSONDouble
        var first: JSONDouble
        var last: JSONDouble

        enum CodingKeys: String, CodingKey {
            case min, max, sum, first, last
            case validCount = "valid_count"
        }

        init(_ summary: ChunkSummary) {
            validCount = summary.validCount
            min = JSONDouble(summary.min)
            max = JSONDouble(summary.max)
            sum = JSONDouble(summary.sum)
            first = JSONDouble(summary.first)
            last = JSONDouble(summary.last)
        }

        var summary: ChunkSummary {
            ChunkSummary(
                validCount: validCount, min: min.value, max: max.value, sum: sum.value, first: first.value,
                last: last.value)
        }
    }

    struct SignatureDocument: Codable {
        var algorithm: String
        var value: String
    }

    init(_ frame: BatchFrame) throws(WireError) {
        format = Self.formatName
        version = Int(BatchFrame.formatVersion)
        gatewayID = frame.gatewayID
        sequence = frame.sequence
        bootID = frame.bootID.description
        clockState = frame.clockState.name
        createdAtNs = frame.createdAt
        createdMonotonicNs = frame.createdMonotonic
        series = frame.series.map {
            SeriesDocument(
                id: $0.id, name: $0.name, unit: $0.unit, kind: $0.kind.name, resolution: $0.resolution?.description)
        }
        chunks = []
        for entry in frame.chunks {
            let columns = try entry.chunk.decode()
            chunks.append(
                ChunkDocument(
                    seriesID: entry.seriesID, clockSynchronised: entry.chunk.clockSynchronised,
                    firstMonotonicNs: entry.chunk.firstMonotonic, timestampsNs: columns.timestamps,
                    values: columns.values.map(JSONDouble.init), qualities: columns.qualities?.map(\.description),
                    summary: SummaryDocument(entry.chunk.summary)))
        }
        kind = frame.kind.jsonName
        summaries = frame.kind == .summary ? frame.summaries.map(MinuteSummaryDocument.init) : nil
        signature =
            frame.signature.isEmpty
            ? nil : SignatureDocument(algorithm: frame.signatureAlgorithm.name, value: Hex.encode(frame.signature))
    }

    func frame(limits: FrameLimits) throws(WireError) -> BatchFrame {
        guard format == Self.formatName else {
            throw .invalidJSON(path: "$.format", reason: "must be '\(Self.formatName)'")
        }
        guard version == Int(BatchFrame.formatVersion) else {
            throw .invalidJSON(
                path: "$.version", reason: "unknown version \(version); this decoder reads \(BatchFrame.formatVersion)")
        }
        guard let boot = BootID(parsing: bootID) else { throw .invalidJSON(path: "$.boot_id", reason: "not a UUID") }
        guard let clock = ClockState(name: clockState) else {
            throw .invalidJSON(path: "$.clock_state", reason: "must be unknown, unsynchronised or synchronised")
        }
        guard series.count <= limits.maxSeries else {
            throw .limitExceeded(
                limit: "series count", value: UInt64(series.count), maximum: UInt64(limits.maxSeries), offset: 0)
        }
        var descriptors: [SeriesDescriptor] = []
        for (index, entry) in series.enumerated() {
            guard let kind = SeriesKind(name: entry.kind) else {
                throw .invalidJSON(path: "$.series[\(index)].kind", reason: "must be gauge, counter or state")
            }
            var resolution: Resolution?
            if let text = entry.resolution {
                guard let parsed = Resolution(parsing: text) else {
                    throw .invalidJSON(
                        path: "$.series[\(index)].resolution", reason: "'\(text)' is not a positive decimal step")
                }
                resolution = parsed
            }
            descriptors.append(
                SeriesDescriptor(id: entry.id, name: entry.name, unit: entry.unit, kind: kind, resolution: resolution))
        }
        let resolutions = Dictionary(
            descriptors.map { ($0.id, $0.resolution) }, uniquingKeysWith: { first, _ in first })
        var frameChunks: [FrameChunk] = []
        for (index, entry) in chunks.enumerated() {
            frameChunks.append(
                try entry.frameChunk(path: "$.chunks[\(index)]", resolutions: resolutions, limits: limits))
        }
        var frame = BatchFrame(
            gatewayID: gatewayID, sequence: sequence, bootID: boot, clockState: clock, createdAt: createdAtNs,
            createdMonotonic: createdMonotonicNs, series: descriptors, chunks: frameChunks)
        try readKind(into: &frame, resolutions: resolutions, limits: limits)
        do {
            try frame.checkConsistency(limits: limits)
        } catch let WireError.malformed(field, _, reason) {
            throw .invalidJSON(path: "$.\(field)", reason: reason)
        }
        if let signature {
            guard let algorithm = SignatureAlgorithm(name: signature.algorithm) else {
                throw .invalidJSON(path: "$.signature.algorithm", reason: "must be none or ecdsa-p256-sha256")
            }
            guard let bytes = Hex.decode(signature.value) else {
                throw .invalidJSON(path: "$.signature.value", reason: "not hexadecimal")
            }
            frame.signatureAlgorithm = algorithm
            frame.signature = bytes
        } else {
            frame.signatureAlgorithm = .none
            frame.signature = [UInt8](repeating: 0, count: SignatureAlgorithm.signatureByteCount)
        }
        return frame
    }
}

extension FrameDocument.ChunkDocument {
    func frameChunk(path: String, resolutions: [UInt32: Resolution?], limits: FrameLimits) throws(WireError)
        -> FrameChunk
    {
        guard !timestampsNs.isEmpty else {
            throw .invalidJSON(path: "\(path).timestamps_ns", reason: "a chunk holds at least one sample")
        }
        guard timestampsNs.count <= limits.maxSamplesPerChunk else {
            throw .limitExceeded(
                limit: "samples per chunk", value: UInt64(timestampsNs.count),
                maximum: UInt64(limits.maxSamplesPerChunk), offset: 0)
        }
        guard values.count == timestampsNs.count else {
            throw .invalidJSON(
                path: "\(path).values", reason: "has \(values.count) values for \(timestampsNs.count) timestamps")
        }
        var parsedQualities: [Quality]?
        if let qualities {
            guard qualities.count == timestampsNs.count else {
                throw .invalidJSON(
                    path: "\(path).qualities",
                    reason: "has \(qualities.count) qualities for \(timestampsNs.count) timestamps")
            }
            var parsed: [Quality] = []
            parsed.reserveCapacity(qualities.count)
            for (index, text) in qualities.enumerated() {
                guard let quality = Quality(parsing: text) else {
                    throw .invalidJSON(
                        path: "\(path).qualities[\(index)]",
                        reason: "'\(text.prefix(32))' is not good, uncertain or bad, with an optional /code")
                }
                parsed.append(quality)
            }
            parsedQualities = parsed.allSatisfy { $0 == .good } ? nil : parsed
        }
        guard let resolution = resolutions[seriesID] else {
            throw .invalidJSON(path: "\(path).series_id", reason: "series id \(seriesID) is not in the dictionary")
        }
        let columns = SampleColumns(timestamps: timestampsNs, values: values.map(\.value), qualities: parsedQualities)
        let chunk = try Chunk(
            encoding: columns, resolution: resolution, clockSynchronised: clockSynchronised,
            firstMonotonic: firstMonotonicNs)
        if let summary, !summary.summary.isIdentical(to: chunk.summary) {
            throw .invalidJSON(
                path: "\(path).summary", reason: "differs from the summary of the samples; omit it to have it computed")
        }
        return FrameChunk(seriesID: seriesID, chunk: chunk)
    }
}

/// A double in JSON: a number when finite, otherwise a string (`NaN`, `Infinity`, `-Infinity`),
/// and `-0` or `0x…` bits where a number would lose the sign of zero or a NaN payload.
struct JSONDouble: Codable {
    var value: Double

    init(_ value: Double) {
        self.value = value
    }

    private static let canonicalNaN = Double.nan.bitPattern

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if value.isFinite, !(value == 0 && value.sign == .minus) {
            try container.encode(value)
        } else if value == .infinity {
            try container.encode("Infinity")
        } else if value == -.infinity {
            try container.encode("-Infinity")
        } else if value == 0 {
            try container.encode("-0")
        } else if value.bitPattern == Self.canonicalNaN {
            try container.encode("NaN")
        } else {
            try container.encode("0x" + Hex.digits(value.bitPattern))
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        let text = try container.decode(String.self)
        switch text {
        case "NaN": value = .nan
        case "Infinity": value = .infinity
        case "-Infinity": value = -.infinity
        case "-0": value = -0.0
        default:
            guard text.hasPrefix("0x"), text.count == 18, let bits = UInt64(text.dropFirst(2), radix: 16) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath,
                        debugDescription: "expected a number, NaN, Infinity, -Infinity, -0 or 0x + 16 hex digits"))
            }
            value = Double(bitPattern: bits)
        }
    }
}
