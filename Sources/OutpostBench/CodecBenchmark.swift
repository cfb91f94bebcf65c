import OutpostDatasets
import OutpostSigning
import OutpostWire

/// The figures `outpost-bench codec` reports.
package struct CodecFigures: Sendable, Codable {
    /// Readings in the dataset.
    package var readings: Int
    /// Series in the dataset.
    package var series: Int
    /// Frames the dataset was split into.
    package var frames: Int
    /// Seconds of data per frame.
    package var frameSeconds: Int
    /// Signed binary frame bytes per reading, every header and signature included.
    package var bytesPerReading: Double
    /// Samples → signed frame bytes, readings per second on one core.
    package var encodeReadingsPerS: Double
    /// Chunk records → samples (the hub's query path), readings per second on one core.
    package var decodeReadingsPerS: Double
    /// Frame bytes → verified, validated frame (the hub's ingest path), readings per second.
    package var frameDecodeReadingsPerS: Double
    /// JSON rendering bytes per reading (compact).
    package var jsonBytesPerReading: Double
    /// Frame → compact JSON, readings per second.
    package var jsonEncodeReadingsPerS: Double
    /// JSON → frame, readings per second.
    package var jsonDecodeReadingsPerS: Double

    enum CodingKeys: String, CodingKey {
        case readings, series, frames
        case frameSeconds = "frame_seconds"
        case bytesPerReading = "bytes_per_reading"
        case encodeReadingsPerS = "encode_readings_per_s"
        case decodeReadingsPerS = "decode_readings_per_s"
        case frameDecodeReadingsPerS = "frame_decode_readings_per_s"
        case jsonBytesPerReading = "json_bytes_per_reading"
        case jsonEncodeReadingsPerS = "json_encode_readings_per_s"
        case jsonDecodeReadingsPerS = "json_decode_readings_per_s"
    }
}

/// Measures the wire codec on a dataset: size, and encode/decode speed against the JSON rendering.
package struct CodecBenchmark {
    /// The dataset measured.
    package let dataset: [DatasetSeries]
    /// Seconds of data per frame.
    package let frameSeconds: Int
    /// Minimum wall time spent on each measurement; the best repetition counts.
    package let minimumDuration: Duration

    /// Creates a benchmark.
    package init(dataset: [DatasetSeries], frameSeconds: Int = 300, minimumDuration: Duration = .seconds(1)) {
        self.dataset = dataset
        self.frameSeconds = frameSeconds
        self.minimumDuration = minimumDuration
    }

    /// Runs every measurement.
    package func run() throws -> CodecFigures {
        let signer = GatewayFrameSigner.generate()
        let verifier = GatewayKeyVerifier(gateway: "bench-gw", publicKey: signer.publicKey)
        let frames = try ReferenceDataset.frames(dataset, frameSeconds: frameSeconds)
        let readings = frames.reduce(0) { $0 + $1.sampleCount }
        let encoded = try frames.map { try $0.encoded(signer: signer) }
        let bytes = encoded.reduce(0) { $0 + $1.count }

        let encodeTime = try best {
            for frame in try ReferenceDataset.frames(dataset, frameSeconds: frameSeconds) {
                consume(try frame.encoded(signer: signer).count)
            }
        }
        // Encoding includes building chunks from samples: subtract nothing, since the frame
        // builder above is exactly what an agent runs per batch.
        let decoder = FrameDecoder()
        let decoded = try encoded.map { try decoder.decode($0, verifier: verifier) }
        let records = decoded.flatMap { $0.chunks.map { $0.chunk.serialized() } }
        let decodeTime = try best {
            for record in records {
                consume(try Chunk(record: record).decode().count)
            }
        }
        let frameDecodeTime = try best {
            for frame in encoded {
                consume(try decoder.decode(frame, verifier: verifier).chunks.count)
            }
        }
        let json = try decoded.map { try FrameJSON.render($0, pretty: false) }
        let jsonBytes = json.reduce(0) { $0 + $1.count }
        let jsonEncodeTime = try best {
            for frame in decoded {
                consume(try FrameJSON.render(frame, pretty: false).count)
            }
        }
        let jsonDecodeTime = try best {
            for document in json {
                consume(try FrameJSON.parse(document).chunks.count)
            }
        }
        let perSecond = { (time: Duration) in Double(readings) / time.seconds }
        return CodecFigures(
            readings: readings, series: dataset.count, frames: frames.count, frameSeconds: frameSeconds,
            bytesPerReading: Double(bytes) / Double(readings), encodeReadingsPerS: perSecond(encodeTime),
            decodeReadingsPerS: perSecond(decodeTime), frameDecodeReadingsPerS: perSecond(frameDecodeTime),
            jsonBytesPerReading: Double(jsonBytes) / Double(readings),
            jsonEncodeReadingsPerS: perSecond(jsonEncodeTime),
            jsonDecodeReadingsPerS: perSecond(jsonDecodeTime))
    }

    /// The shortest of repeated runs of `body`, repeated for at least `minimumDuration` and 3 times.
    private func best(_ body: () throws -> Void) throws -> Duration {
        let clock = ContinuousClock()
        var fastest = Duration.seconds(Int64.max)
        var spent = Duration.zero
        var runs = 0
        while runs < 3 || spent < minimumDuration {
            let elapsed = try clock.measure(body)
            fastest = min(fastest, elapsed)
            spent += elapsed
            runs += 1
        }
        return fastest
    }
}

/// Keeps the optimiser from discarding a measured result.
@inline(never)
func consume(_ value: Int) {
    if value == Int.min { print("unreachable") }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
