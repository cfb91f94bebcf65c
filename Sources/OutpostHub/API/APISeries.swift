import OutpostWire

extension API {
    /// A reading as the API, the live feed and `export --format json` write it:
    /// `[time_ns, value or null, quality]`.
    public struct SampleRow: Encodable, Sendable {
        public var sample: Sample
        public init(_ sample: Sample) { self.sample = sample }
        public func encode(to encoder: any Encoder) throws {
            var row = encoder.unkeyedContainer()
            try row.encode(sample.timestamp)
            try row.encode(sample.value)
            try row.encode(sample.quality.description)
        }
    }

    /// `GET /api/v1/series` without `buckets=`: the raw samples of a range.
    public struct SeriesSamples: APIDocument {
        public static let schema = "SeriesSamples"
        public var gateway, series: String
        public var from, to: Int64
        public var samples: [SampleRow]
        public init(gateway: String, series: String, from: Int64, to: Int64, samples: [SampleRow]) {
            (self.gateway, self.series, self.from, self.to, self.samples) = (gateway, series, from, to, samples)
        }
        public static var examples: [Self] {
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
    public struct SeriesBuckets: APIDocument {
        public static let schema = "SeriesBuckets"
        public struct Bucket: Encodable, Sendable {
            public var start, count, valid: Int64
            public var min, max, mean: Double
            enum CodingKeys: String, CodingKey {
                case start, count, valid, min, max, mean
            }
            public init(_ bucket: RollupBucket) {
                let aggregate = bucket.aggregate
                (start, count, valid) = (bucket.start, aggregate.count, aggregate.validCount)
                (min, max, mean) = (aggregate.min, aggregate.max, aggregate.mean)
            }
        }
        public var gateway, series: String
        public var from, to: Int64
        public var source: String
        public var width: Int64
        public var buckets: [Bucket]
        public init(
            gateway: String, series: String, from: Int64, to: Int64, source: String, width: Int64, buckets: [Bucket]
        ) {
            (self.gateway, self.series, self.from, self.to) = (gateway, series, from, to)
            (self.source, self.width, self.buckets) = (source, width, buckets)
        }
        public static var examples: [Self] {
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
    public struct SeriesScores: APIDocument {
        public static let schema = "SeriesScores"
        public struct Slice: Encodable, Sendable {
            public var start: Int64
            public var score: Double
            public func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(start)
                try row.encode(score)
            }
        }
        public struct Anomaly: Encodable, Sendable {
            public var time: Int64
            public var score: Double
            public var kind: String
            public func encode(to encoder: any Encoder) throws {
                var row = encoder.unkeyedContainer()
                try row.encode(time)
                try row.encode(score)
                try row.encode(kind)
            }
        }
        public var gateway, series: String
        public var from, to, width: Int64
        public var scores: [Slice]
        public var anomalies: [Anomaly]
        public static var examples: [Self] {
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
    func writeJSON(into output: JSONOutput) {
        output.bytes.append(UInt8(ascii: "{"))
        output.field(CodingKeys.start, start, first: true)
        output.field(CodingKeys.count, count)
        output.field(CodingKeys.valid, valid)
        output.field(CodingKeys.min, min)
        output.field(CodingKeys.max, max)
        output.field(CodingKeys.mean, mean)
        output.bytes.append(UInt8(ascii: "}"))
    }
}
