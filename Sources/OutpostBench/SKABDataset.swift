import OutpostHub

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// SKAB (Skoltech Anomaly Benchmark): real 1 Hz recordings of a water-pump rig with labelled
/// anomalies and change points, read from a copy kept outside this repository (it is GPL v3;
/// it is read, never copied in). Each labelled file is `datetime;<8 sensors>;anomaly;changepoint`.
package struct SKABDataset: Sendable {
    /// One experiment.
    package struct File: Sendable {
        /// `valve1/0.csv` and so on.
        package var name: String
        /// Sample times (ns).
        package var timestamps: [Int64]
        /// Each sensor's name and values, in the file's column order.
        package var sensors: [(name: String, values: [Double])]
        /// Whether each sample is labelled anomalous.
        package var anomalous: [Bool]
        /// Indices of the labelled change points.
        package var changePoints: [Int]
    }

    /// The labelled files (`valve1`, `valve2`, `other`), in name order.
    package let files: [File]

    /// Why the dataset could not be read.
    package struct Problem: Error, CustomStringConvertible {
        package let description: String
    }

    /// Where the data is: `given`, else `$OUTPOST_SKAB_DIR`, else `datasets/skab/data` in the
    /// shared folder beside the project.
    package static func locate(_ given: String?) -> String? {
        var candidates: [String] = []
        if let given { candidates.append(given) }
        if let environment = ProcessInfo.processInfo.environment["OUTPOST_SKAB_DIR"] { candidates.append(environment) }
        let here = FileManager.default.currentDirectoryPath
        candidates += [here + "/../shared/datasets/skab/data", here + "/../../shared/datasets/skab/data"]
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/valve1") }
    }

    /// Reads every labelled file under `directory`.
    package init(directory: String) throws {
        var files: [File] = []
        for folder in ["other", "valve1", "valve2"] {
            let path = directory + "/" + folder
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
                throw Problem(description: "\(path): cannot be listed; is this SKAB's data folder?")
            }
            for name in names.filter({ $0.hasSuffix(".csv") }).sorted(by: Self.numericOrder) {
                files.append(try Self.read(path + "/" + name, name: folder + "/" + name))
            }
        }
        guard !files.isEmpty else { throw Problem(description: "\(directory): no labelled files") }
        self.files = files
    }

    private static func numericOrder(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Int(a.prefix { $0.isNumber }) ?? 0, Int(b.prefix { $0.isNumber }) ?? 0)
        return x == y ? a < b : x < y
    }

    private static func read(_ path: String, name: String) throws -> File {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "\(path): cannot be read")
        }
        let bytes = Array(data)
        let table = CSVTable(bytes)
        guard let anomaly = table.field(named: "anomaly"), let changePoint = table.field(named: "changepoint") else {
            throw Problem(description: "\(path): no anomaly and changepoint columns")
        }
        let sensorFields = (0..<table.names.count - 1).filter { $0 != anomaly && $0 != changePoint }
        var file = File(
            name: name, timestamps: [], sensors: sensorFields.map { (table.names[$0 + 1], []) }, anomalous: [],
            changePoints: [])
        do throws(CSVReadings.ProblemList) {
            try table.forEachRow(bytes) { row throws(CSVReadings.Problem) in
                guard row.fields.count == table.names.count - 1 else {
                    throw CSVReadings.Problem(
                        line: row.line,
                        message: "\(row.fields.count + 1) fields where the header has \(table.names.count)")
                }
                for (slot, field) in sensorFields.enumerated() {
                    guard let value = table.value(row.fields[field]) else {
                        throw CSVReadings.Problem(line: row.line, message: "'\(row.fields[field])' is not a number")
                    }
                    file.sensors[slot].values.append(value)
                }
                if table.value(row.fields[changePoint]) == 1 { file.changePoints.append(file.timestamps.count) }
                file.anomalous.append(table.value(row.fields[anomaly]) == 1)
                file.timestamps.append(row.timestamp)
            }
        } catch {
            throw Problem(description: error.problems.map { "\(path): \($0)" }.joined(separator: "\n"))
        }
        return file
    }
}
