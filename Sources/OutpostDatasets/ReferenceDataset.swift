import OutpostWire

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One series of a benchmark dataset: its descriptor fields and its samples.
package struct DatasetSeries: Sendable {
    /// The series name.
    package var name: String
    /// The unit.
    package var unit: String
    /// What it measures.
    package var kind: SeriesKind
    /// The declared resolution, or nil for unquantised doubles.
    package var resolution: Resolution?
    /// The samples.
    package var columns: SampleColumns

    /// A series of `columns`.
    package init(name: String, unit: String, kind: SeriesKind, resolution: Resolution?, columns: SampleColumns) {
        self.name = name
        self.unit = unit
        self.kind = kind
        self.resolution = resolution
        self.columns = columns
    }
}

/// The deterministic reference dataset the codec figures in BENCHMARKS.md are measured on:
/// 100 series at 1 Hz for one hour, shaped like a small plant's gateway.
///
/// | series | count | resolution | shape |
/// | --- | --- | --- | --- |
/// | temperature | 25 | 0.1 °C | 15-25 °C, slow daily cycle, sensor noise σ 0.05 °C |
/// | humidity | 20 | 0.1 %RH | 35-65 %RH, slow drift, noise σ 0.1 %RH |
/// | mains voltage | 10 | 0.01 V | 230 V, noise σ 0.2 V |
/// | battery voltage | 10 | 0.01 V | 12.6-13.8 V, slow charge curve, noise σ 0.01 V |
/// | energy counter | 15 | 1 Wh | monotonic, 0-8 Wh a second |
/// | state | 10 | 1 | 0/1, changes every ten minutes on average |
/// | flow | 10 | none | float32 readings (Modbus float registers), 5-50 m³/h with noise |
package enum ReferenceDataset {
    /// The start of the hour: 2026-01-01T00:00:00Z in ns.
    package static let start: Int64 = 1_767_225_600_000_000_000

    /// Generates the dataset.
    package static func make(seed: UInt64 = 42, seconds: Int = 3600) -> [DatasetSeries] {
        var random = SeededGenerator(seed: seed)
        let times = (0..<seconds).map { start + Int64($0) * 1_000_000_000 }
        var series: [DatasetSeries] = []
        func add(_ name: String, _ unit: String, _ kind: SeriesKind, _ step: Double?, _ values: [Double]) {
            series.append(
                DatasetSeries(
                    name: name, unit: unit, kind: kind, resolution: step.flatMap(Resolution.init),
                    columns: SampleColumns(timestamps: times, values: values)))
        }
        for index in 0..<25 {
            let base = Double.random(in: 15...25, using: &random)
            let phase = Double.random(in: 0...(2 * .pi), using: &random)
            let values = (0..<seconds).map { (second: Int) -> Double in
                let angle: Double = phase + Double(second) / 86_400 * 2 * Double.pi
                return base + 3 * sin(angle) + random.gaussian(deviation: 0.05)
            }
            add("room\(index)/temperature", "°C", .gauge, 0.1, values)
        }
        for index in 0..<20 {
            var level = Double.random(in: 35...65, using: &random)
            let values = (0..<seconds).map { _ in
                level += random.gaussian(deviation: 0.002)
                return level + random.gaussian(deviation: 0.1)
            }
            add("room\(index)/humidity", "%RH", .gauge, 0.1, values)
        }
        for index in 0..<10 {
            let values = (0..<seconds).map { _ in 230 + random.gaussian(deviation: 0.2) }
            add("feeder\(index)/voltage", "V", .gauge, 0.01, values)
        }
        for index in 0..<10 {
            let base = Double.random(in: 12.6...13.0, using: &random)
            let values = (0..<seconds).map { second in
                base + 0.8 * Double(second) / Double(seconds) + random.gaussian(deviation: 0.01)
            }
            add("solar\(index)/battery_voltage", "V", .gauge, 0.01, values)
        }
        for index in 0..<15 {
            var total = Double(Int.random(in: 100_000...9_000_000, using: &random))
            let values = (0..<seconds).map { _ in
                total += Double(Int.random(in: 0...8, using: &random))
                return total
            }
            add("meter\(index)/energy", "Wh", .counter, 1, values)
        }
        for index in 0..<10 {
            var state = 0.0
            let values = (0..<seconds).map { _ in
                if Int.random(in: 0..<600, using: &random) == 0 { state = 1 - state }
                return state
            }
            add("pump\(index)/running", "", .state, 1, values)
        }
        for index in 0..<10 {
            let base = Double.random(in: 5...50, using: &random)
            let values = (0..<seconds).map { _ in
                Double(Float(base + random.gaussian(deviation: base * 0.02)))
            }
            add("line\(index)/flow", "m³/h", .gauge, nil, values)
        }
        return series
    }

    /// Splits the dataset into frames of `frameSeconds` each, as an agent sealing a batch every
    /// `frameSeconds` would send them.
    package static func frames(
        _ dataset: [DatasetSeries], frameSeconds: Int, gatewayID: String = "bench-gw"
    ) throws -> [BatchFrame] {
        let total = dataset.first?.columns.count ?? 0
        let descriptors = dataset.enumerated().map { index, entry in
            SeriesDescriptor(
                id: UInt32(index), name: entry.name, unit: entry.unit, kind: entry.kind, resolution: entry.resolution)
        }
        var frames: [BatchFrame] = []
        var sequence: UInt64 = 1
        for start in stride(from: 0, to: total, by: max(frameSeconds, 1)) {
            let end = min(start + frameSeconds, total)
            var chunks: [FrameChunk] = []
            for (index, entry) in dataset.enumerated() {
                let columns = SampleColumns(
                    timestamps: Array(entry.columns.timestamps[start..<end]),
                    values: Array(entry.columns.values[start..<end]))
                let chunk = try Chunk(
                    encoding: columns, resolution: entry.resolution, clockSynchronised: true,
                    firstMonotonic: Int64(start) * 1_000_000_000)
                chunks.append(FrameChunk(seriesID: UInt32(index), chunk: chunk))
            }
            frames.append(
                BatchFrame(
                    gatewayID: gatewayID, sequence: sequence, bootID: .zero, clockState: .synchronised,
                    createdAt: ReferenceDataset.start + Int64(end) * 1_000_000_000,
                    createdMonotonic: Int64(end) * 1_000_000_000,
                    series: descriptors, chunks: chunks))
            sequence += 1
        }
        return frames
    }
}
