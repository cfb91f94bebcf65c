import OutpostWire

extension API {
    /// A reading as the API, the live feed and `export --format json` write it:
    /// `[time_ns, value or null, quality]`.
    package struct SampleRow: Encodable, Sendable {
        package var sample: Sample
        package init(_ sample: Sample) { self.sample = sample }
        package func encode(to encoder: any Encoder) throws {
            var row = encoder.unkeyedContainer()
            try row.encode(sample.timestamp)
            try row.encode(sample.value)
            try row.encode(sample.quality.description)
        }
    }

    /// `GET /api/v1/series` without `buckets=`: the raw samples of a range.
    package struct SeriesSamples: APIDocument {
        package static let schema = "SeriesSamples"
        package var gateway, series: String
        package var from, to: Int64
        package var samples: [SampleRow]
        package init(gateway: String, series: String, from: Int64, to: Int64, samples: [SampleRow]) {
            (self.gateway, self.series, self.from, self.to, self.samples) = (gateway, series, from, to, samples)
        }
        package static var examples: [Self] {
            let samples = [
                Sample(timestamp: 1, value: 21.5), Sample(timestamp: 2, value: .nan, quality: Quality(.bad, code: 3)),
            ]
            return [
                Self(
                    gateway: "gw-1", series: "boiler.temperature", from: 0, to: 10, samples: samples.map(SampleRow.init)
                )
            ]
        }
    }

    /// `GET /api/v1/series?buckets=N`: statistics of each non-empty bucket.
    package struct SeriesBuckets: APIDocument {
        package static let schema = "SeriesBuckets"
        package struct Bucket: Encodable, Sendable {
            package var start, count, valid: Int64
            package var min, max, mean: Double
            enum CodingKeys: String, CodingKey {
                case start, count, valid, min, max, mean
            }
            package init(_ bucket: RollupBucket) {
                let aggregate = bucket.aggregate
                (start, count, valid) = (bucket.start, aggregate.count, aggregate.validCount)
                (min, max, mean) = (aggregate.min, aggregate.max, aggregate.mean)
            }
        }
        package var gateway, series: String
        package var from, to: Int64
        package var source: String
        package var width: Int64
        package var buckets: [Bucket]
        package init(
            gateway: String, series: String, from: Int64, to: Int64, source: String, width: Int64, buckets: [Bucket]
        ) {
            (self.gateway, self.series, self.from, self.to) = (gateway, series, from, to)
            (self.source, self.width, self.buckets) = (source, width, buckets)
        }
        package static var examples: [Self] {
            let buckets = [
                RollupBucket(start: 0, aggregate: Aggregate(count: 60, validCount: 60, min: 20, max: 21.5, sum: 1250)),
                RollupBucket(start: 60, aggregate: Aggregate(count: 3, validCount: 0, min: .nan, max: .nan, sum: 0)),
            ]
            return [
                Self(
                    gateway: "gw-1", series: "boiler.temperature", from: 0, to: 120, source: "minute", width: 60,
                    buckets: buckets.map(Bucket.init))
            ]
        }
    }

    /// `GET /api/v1/series/scores`: `scores` as `[slice_start, highest score]`, `anomalies` as
    /// `[time, score, kind]`.
    package struct SeriesScores: APIDocument {
        package static let schema = "SeriesScores"
        package struct Slice: Encodable, Sendable {
            package var start: Int64
            package var score: Double
            package func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(start)
                try row.encode(score)
            }
        }
        package struct Anomaly: Encodable, Sendable {
            package var time: Int64
            package var score: Double
            package var kind: String
            package func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(time)
                try row.encode(score)
                try row.encode(kind)
            }
        }
        package var gateway, series: String
        package var from, to, width: Int64
        package var scores: [Slice]
        package var anomalies: [Anomaly]
        package static var examples: [Self] {
            [
                Self(
                    gateway: "gw-1", series: "boiler.temperature", from: 0, to: 100, width: 10,
                    scores: [Slice(start: 0, score: 0.1), Slice(start: 10, score: 0.97)],
                    anomalies: [Anomaly(time: 12, score: 0.97, kind: "spike")])
            ]
        }
    }
}

extension API.SampleRow: APIJSONWritable {
    func writeJSON(into output: JSONOutput) {
        output.bytes.append(UInt8(ascii: "["))
        JSONOutput.append(sample.timestamp, to: &output.bytes)
        output.bytes.append(UInt8(ascii: ","))
        JSONOutput.append(sample.value, to: &output.bytes)
        output.bytes.append(UInt8(ascii: ","))
        JSONOutput.append(sample.quality.description, to: &output.bytes)
        output.bytes.append(UInt8(ascii: "]"))
    }
}

extension API.SeriesBuckets.Bucket: APIJSONWritable {
    private enum Names {
        static let start = JSONFieldName(CodingKeys.start, first: true)
        static let count = JSONFieldName(CodingKeys.count)
        static let valid = JSONFieldName(CodingKeys.valid)
        static let min = JSONFieldName(CodingKeys.min)
        static let max = JSONFieldName(CodingKeys.max)
        static let mean = JSONFieldName(CodingKeys.mean)
    }

    func writeJSON(into output: JSONOutput) {
        output.bytes.append(UInt8(ascii: "{"))
        output.field(Names.start, start)
        output.field(Names.count, count)
        output.field(Names.valid, valid)
        output.field(Names.min, min)
        output.field(Names.max, max)
        output.field(Names.mean, mean)
        output.bytes.append(UInt8(ascii: "}"))
    }
}
