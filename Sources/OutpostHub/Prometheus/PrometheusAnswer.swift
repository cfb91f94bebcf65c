import Hummingbird
import OutpostWire

/// Prometheus's JSON answers: `{"status":"success","data":…}` and
/// `{"status":"error","errorType":…,"error":…}`; values as strings, times as seconds.
enum PrometheusAnswer {
    struct Success<Data: Encodable>: Encodable {
        let status = "success"
        let data: Data
    }

    struct Failure: Encodable {
        let status = "error"
        let errorType: String
        let error: String
    }

    static func success<Data: Encodable>(_ data: Data) -> Response {
        respond(.ok, Success(data: data))
    }

    static func error(_ status: HTTPResponse.Status, _ type: String, _ message: String) -> Response {
        respond(status, Failure(errorType: type, error: message))
    }

    private static func respond(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let bytes =
            (try? APIJSON.encode(value))
            ?? Array(#"{"status":"error","errorType":"internal","error":"the answer could not be written"}"#.utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `[seconds, "value"]`.
    struct Point: Encodable {
        let time: Int64
        let value: Double

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            // Milliseconds, as Prometheus: the shortest decimal of that double reads back exactly.
            try container.encode(Double(time.quotientAndRemainder(dividingBy: 1_000_000).quotient) / 1000)
            try container.encode(Self.text(value))
        }

        /// Go's spelling of a sample value.
        static func text(_ value: Double) -> String {
            if value.isNaN { return "NaN" }
            if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
        }
    }

    struct VectorSample: Encodable {
        let metric: [String: String]
        let value: Point
    }

    struct MatrixSeries: Encodable {
        let metric: [String: String]
        let values: [Point]
    }

    /// A query's `data`.
    struct Query: Encodable {
        let resultType: String
        let result: Result

        enum Result: Encodable {
            case scalar(Point)
            case vector([VectorSample])
            case matrix([MatrixSeries])

            func encode(to encoder: any Encoder) throws {
                switch self {
                case .scalar(let point): try point.encode(to: encoder)
                case .vector(let samples): try samples.encode(to: encoder)
                case .matrix(let series): try series.encode(to: encoder)
                }
            }
        }

        static func scalar(time: Int64, value: Double) -> Query {
            Query(resultType: "scalar", result: .scalar(Point(time: time, value: value)))
        }

        // Series in the order of their labels (sorted by `Labels`, not by a dictionary's
        // description: that cost more than the query over a fleet's 1,000 series).

        static func vector(time: Int64, _ vector: [PrometheusSeries.Labels: [Double?]]) -> Query {
            let samples = vector.sorted { $0.key < $1.key }.compactMap { labels, values in
                values.first.flatMap { $0 }.map {
                    VectorSample(metric: labels.dictionary, value: Point(time: time, value: $0))
                }
            }
            return Query(resultType: "vector", result: .vector(samples))
        }

        static func matrix(times: [Int64], _ vector: [PrometheusSeries.Labels: [Double?]]) -> Query {
            let series = vector.sorted { $0.key < $1.key }.compactMap { labels, values -> MatrixSeries? in
                let points = zip(times, values).compactMap { time, value in value.map { Point(time: time, value: $0) } }
                return points.isEmpty ? nil : MatrixSeries(metric: labels.dictionary, values: points)
            }
            return Query(resultType: "matrix", result: .matrix(series))
        }

        /// Raw samples, per series: an instant query of a range vector.
        static func samples(_ samples: [PrometheusSeries.Labels: [Sample]]) -> Query {
            let series = samples.sorted { $0.key < $1.key }.compactMap { labels, samples -> MatrixSeries? in
                samples.isEmpty
                    ? nil
                    : MatrixSeries(
                        metric: labels.dictionary,
                        values: samples.map { Point(time: $0.timestamp, value: $0.value) })
            }
            return Query(resultType: "matrix", result: .matrix(series))
        }
    }

    struct Metadata: Encodable {
        let type: String
        let help: String
        let unit: String
    }

    struct BuildInfo: Encodable {
        let version, revision, branch, buildUser, buildDate, goVersion: String
    }
}
