import Foundation
import Hummingbird
import OutpostWire

/// A Prometheus API request's parameters, from the query string and, for POST, a form body
/// (`application/x-www-form-urlencoded`), decoded as Go's `ParseQuery` does (`+` is a space).
struct PrometheusParameters {
    /// What is wrong with a parameter, in Prometheus's `bad_data` error.
    struct Problem: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    private var pairs: [(String, String)] = []

    /// The largest form body read.
    static let maxBody = 256 * 1024

    init(_ request: Request) async throws {
        pairs = Self.decode(request.uri.query ?? "")
        if request.method == .post {
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maxBody)
            } catch {
                throw Problem("the form is over \(Self.maxBody / 1024) kB")
            }
            pairs += Self.decode(String(buffer: body))
        }
    }

    init(query: String) { pairs = Self.decode(query) }

    static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func clean(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            return (clean(parts[0]), parts.count > 1 ? clean(parts[1]) : "")
        }
    }

    func first(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    func required(_ name: String) throws(Problem) -> String {
        guard let value = first(name), !value.isEmpty else { throw Problem("missing \(name) parameter") }
        return value
    }

    /// A time: seconds since the epoch (fractions allowed) or RFC 3339, within the times a
    /// reading can have; nil when absent.
    func time(_ name: String) throws(Problem) -> Int64? {
        guard let text = first(name), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds.isFinite {
            let nanoseconds = (seconds * 1e9).rounded()
            guard abs(nanoseconds) < 9.2e18, TimeWindow.contains(Int64(nanoseconds)) else {
                throw Problem("invalid parameter \"\(name)\": \(text) is outside 1970-2200")
            }
            return Int64(nanoseconds)
        }
        guard let parsed = TimeArgument.parseRFC3339(text) else {
            throw Problem("invalid parameter \"\(name)\": cannot parse \"\(text.prefix(64))\" to a valid timestamp")
        }
        guard TimeWindow.contains(parsed) else {
            throw Problem("invalid parameter \"\(name)\": \(text) is outside 1970-2200")
        }
        return parsed
    }

    /// `step`: a duration (`15s`, `1m`) or seconds, at least a millisecond.
    func step() throws(Problem) -> Int64 {
        let text = try required("step")
        if let seconds = Double(text), seconds.isFinite {
            guard seconds >= 0.001, seconds < 3.2e9 else {
                throw Problem(
                    "zero or negative query resolution step widths are not accepted. Try a positive integer")
            }
            return Int64((seconds * 1e9).rounded())
        }
        guard let nanoseconds = PromQLLexer.duration(text), nanoseconds >= 1_000_000 else {
            throw Problem("invalid parameter \"step\": cannot parse \"\(text.prefix(64))\" to a valid duration")
        }
        return nanoseconds
    }
}
