import OutpostDatasets
import OutpostHub
import OutpostWire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads a user's CSV into a one-series dataset for `outpost-bench codec --csv`, with the hub's
/// one CSV reader (`CSVTable`, through `CSVReadings`): the times, separators and columns that
/// `outpost-hub import` and `outpost-hub detect` take.
package enum CSVSeries {
    /// Why a CSV could not be read: the file, line and problem.
    package struct Problem: Error, CustomStringConvertible {
        /// The message, with file and line.
        package let description: String
    }

    /// Reads `path` as one series (`column` as `CSVReadings` picks it).
    package static func load(path: String, resolution: Resolution?, column: String? = nil) throws -> DatasetSeries {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot be read")
        }
        let samples: [Sample]
        do throws(CSVReadings.ProblemList) {
            samples = try CSVReadings.parse(Array(data), column: column)
        } catch {
            throw Problem(description: error.problems.map { "\(path): \($0)" }.joined(separator: "\n"))
        }
        guard !samples.isEmpty else { throw Problem(description: "\(path): no readings") }
        let qualities = samples.map(\.quality)
        return DatasetSeries(
            name: "csv", unit: "", kind: .gauge, resolution: resolution,
            columns: SampleColumns(
                timestamps: samples.map(\.timestamp), values: samples.map(\.value),
                qualities: qualities.allSatisfy { $0 == .good } ? nil : qualities))
    }
}
