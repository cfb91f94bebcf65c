#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why a document from a gateway (status, live) was not read: said in words for the refusals
/// table; the code is the document's (`RefusalCode.badStatus`, `.badLive`).
package struct DocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with it.
    package let description: String

    package init(_ description: String) { self.description = description }
}

/// The JSON of the documents between agent and hub: one line, sorted keys, read within a size.
package enum DocumentJSON {
    /// `value` as one line of JSON with sorted keys; nil when it cannot be (a NaN).
    package static func encode(_ value: some Encodable) -> [UInt8]? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { Array($0) }
    }

    /// `json` read as a `T`, refused when over `maxBytes` or not a `T`; `what` names it in the
    /// refusal ("status document").
    package static func decode<T: Decodable>(_ json: [UInt8], maxBytes: Int, what: String) throws(DocumentError) -> T {
        guard json.count <= maxBytes else { throw DocumentError("a \(what) of \(json.count) bytes, above \(maxBytes)") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(json))
        } catch {
            throw DocumentError("a \(what) that does not read as \(T.self): \(Self.summary(error))")
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    /// The decoder's complaint in a few words, naming the key where it has one.
    private static func summary(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .keyNotFound(let key, _): "'\(key.stringValue)' missing"
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            "'\(path(context))' is not valid (\(context.debugDescription))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON of that shape" : "'\(path(context))' is not valid"
        default: "not JSON of that shape"
        }
    }
}
