/// One series in a frame's dictionary: chunks refer to it by `id`.
package struct SeriesDescriptor: Sendable, Hashable {
    /// The frame-local id chunks use; unique within a frame.
    package var id: UInt32
    /// The series name, unique per gateway: `boiler/supply_temp`.
    package var name: String
    /// The unit, free text up to 32 bytes: `°C`, `kWh`, `` (none).
    package var unit: String
    /// What the series measures.
    package var kind: SeriesKind
    /// The declared resolution; nil for unquantised doubles.
    package var resolution: Resolution?

    /// Creates a descriptor.
    package init(id: UInt32, name: String, unit: String = "", kind: SeriesKind = .gauge, resolution: Resolution? = nil)
    {
        self.id = id
        self.name = name
        self.unit = unit
        self.kind = kind
        self.resolution = resolution
    }
}

/// A chunk in a frame, tagged with the dictionary id of its series.
package struct FrameChunk: Sendable {
    /// The id of the chunk's series in the frame's dictionary.
    package var seriesID: UInt32
    /// The chunk.
    package var chunk: Chunk

    /// Creates a frame chunk.
    package init(seriesID: UInt32, chunk: Chunk) {
        self.seriesID = seriesID
        self.chunk = chunk
    }
}

/// A batch of chunks from one gateway: the unit of delivery, acknowledged by sequence number.
///
/// Binary layout in `docs/wire-format.md`; `encoded(signer:)` writes it, `FrameDecoder` reads it,
/// `FrameJSON` renders the same frame as JSON.
package struct BatchFrame: Sendable {
    /// The four bytes every frame starts with.
    package static let magic: [UInt8] = Array("OPST".utf8)
    /// The format version this library writes and reads.
    package static let formatVersion: UInt8 = 1
    /// Bytes after the body: signature algorithm (1), signature (64), CRC-32C (4).
    static let trailerByteCount = 1 + SignatureAlgorithm.signatureByteCount + 4

    /// The sending gateway's id: 1 to 128 bytes of `A-Z a-z 0-9 . _ -`.
    package var gatewayID: String
    /// The gateway's batch sequence number: persisted, never reused.
    package var sequence: UInt64
    /// The boot the frame was made in.
    package var bootID: BootID
    /// The wall clock's state when the frame was made.
    package var clockState: ClockState
    /// Wall time the frame was made (ns since the Unix epoch).
    package var createdAt: Int64
    /// Monotonic time the frame was made (ns since boot).
    package var createdMonotonic: Int64
    /// The series the chunks refer to.
    package var series: [SeriesDescriptor]
    /// The chunks (none in a summary frame).
    package var chunks: [FrameChunk]
    /// What the frame carries: readings, or minute summaries of readings held back.
    package var kind: FrameKind = .readings
    /// The minute summaries of a summary frame, by series then minute.
    package var summaries: [MinuteSummary] = []
    /// The signature scheme of a decoded frame; ignored when encoding.
    package internal(set) var signatureAlgorithm: SignatureAlgorithm = .none
    /// The signature of a decoded frame; ignored when encoding.
    package internal(set) var signature: [UInt8] = []

    /// Creates a frame.
    package init(
        gatewayID: String, sequence: UInt64, bootID: BootID, clockState: ClockState, createdAt: Int64,
        createdMonotonic: Int64, series: [SeriesDescriptor], chunks: [FrameChunk]
    ) {
        self.gatewayID = gatewayID
        self.sequence = sequence
        self.bootID = bootID
        self.clockState = clockState
        self.createdAt = createdAt
        self.createdMonotonic = createdMonotonic
        self.series = series
        self.chunks = chunks
    }

    /// Creates a summary frame: `summaries` of readings that a `deferredReadings` frame brings later.
    package init(
        summarising gatewayID: String, sequence: UInt64, bootID: BootID, clockState: ClockState, createdAt: Int64,
        createdMonotonic: Int64, series: [SeriesDescriptor], summaries: [MinuteSummary]
    ) {
        self.init(
            gatewayID: gatewayID, sequence: sequence, bootID: bootID, clockState: clockState, createdAt: createdAt,
            createdMonotonic: createdMonotonic, series: series, chunks: [])
        kind = .summary
        self.summaries = summaries
    }

    /// The total number of samples in the frame's chunks (none in a summary frame).
    package var sampleCount: Int { chunks.reduce(0) { $0 + $1.chunk.count } }

    /// Whether `id` is a valid gateway id.
    package static func isValidGatewayID(_ id: String, maxBytes: Int = FrameLimits.default.maxGatewayIDBytes) -> Bool {
        !id.isEmpty && id.utf8.count <= maxBytes
            && id.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == 0x2E || byte == 0x5F || byte == 0x2D
            }
    }
}
