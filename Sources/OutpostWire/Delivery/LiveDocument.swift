/// The latest values of a gateway's series, the document of the live topic (agent → hub, QoS
/// 0, never the system of record): `{"time":…,"values":{"series":value,…}}`.
package struct LiveDocument: Codable, Sendable, Hashable {
    /// When the values were taken, ns since the epoch.
    package var time: Int64
    /// The latest good value of each series.
    package var values: [String: Double]

    /// The largest document read: a gateway with a thousand series sends about 40 kB.
    package static let maxBytes = 256 * 1024

    /// A document of `values` taken at `time`; values that are not finite are left out (JSON
    /// has no NaN).
    package init(time: Int64, values: [String: Double]) {
        self.time = time
        self.values = values.filter { $0.value.isFinite }
    }

    /// The JSON form (sorted keys, one line).
    package func encoded() -> [UInt8] { DocumentJSON.encode(self) ?? Array(#"{"time":0,"values":{}}"#.utf8) }

    /// Reads the JSON form: at most `maxBytes`, a time a reading can have (`TimeWindow`) and an
    /// object of numbers.
    package init(json: [UInt8]) throws(DocumentError) {
        self = try DocumentJSON.decode(json, maxBytes: Self.maxBytes, what: "live document")
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        time = try container.decode(Int64.self, forKey: .time)
        guard TimeWindow.contains(time) else {
            throw DecodingError.dataCorruptedError(
                forKey: .time, in: container, debugDescription: "outside \(TimeWindow.text)")
        }
        values = try container.decode([String: Double].self, forKey: .values)
    }
}
