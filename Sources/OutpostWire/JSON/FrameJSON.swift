#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON rendering of a batch frame, both directions: for debugging, and for HTTP clients
/// that cannot build the binary form.
///
/// Chunks appear decoded (timestamps, values, qualities) with their summary; the JSON carries the
/// frame's signature, so `binary(fromJSON:)` rebuilds the exact signed bytes, and the hub verifies
/// a JSON frame through the same path as a binary one. Layout in `docs/wire-format.md`.
package enum FrameJSON {
    /// Renders a frame. Pretty output is indented with sorted keys; compact output is one line.
    package static func render(_ frame: BatchFrame, pretty: Bool = true) throws(WireError) -> [UInt8] {
        let document = try FrameDocument(frame)
        let encoder = JSONEncoder()
        encoder.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(document))
        } catch {
            throw .invalidJSON(path: "$", reason: "cannot render: \(error)")
        }
    }

    /// Parses a JSON frame, checking it against the same rules and limits as a binary one.
    /// The frame's `signature` and `signatureAlgorithm` are those the JSON carries.
    package static func parse(_ json: [UInt8], limits: FrameLimits = .default) throws(WireError) -> BatchFrame {
        guard json.count <= limits.maxFrameBytes * 8 else {
            throw .limitExceeded(
                limit: "JSON frame size", value: UInt64(json.count), maximum: UInt64(limits.maxFrameBytes * 8),
                offset: 0)
        }
        let document: FrameDocument
        do {
            document = try JSONDecoder().decode(FrameDocument.self, from: Data(json))
        } catch let error as DecodingError {
            throw Self.describe(error)
        } catch let error as WireError {
            throw error
        } catch {
            throw .invalidJSON(path: "$", reason: "\(error)")
        }
        return try document.frame(limits: limits)
    }

    /// The binary frame a JSON frame stands for, with the signature the JSON carries.
    package static func binary(fromJSON json: [UInt8], limits: FrameLimits = .default) throws(WireError) -> [UInt8] {
        let frame = try parse(json, limits: limits)
        guard frame.signature.count == SignatureAlgorithm.signatureByteCount else {
            throw .invalidJSON(path: "$.signature.value", reason: "must be 64 bytes (128 hex digits)")
        }
        do {
            return try frame.encoded(
                signer: PresetSignature(algorithm: frame.signatureAlgorithm, bytes: frame.signature), limits: limits)
        } catch let error as WireError {
            throw error
        } catch {
            throw .invalidJSON(path: "$", reason: "\(error)")
        }
    }

    /// The top-level `gateway_id` of a JSON frame, found by one cheap pass over the bytes (no
    /// parse, no allocation beyond the id): the hub refuses a frame of an unknown gateway before
    /// it pays for parsing. Nil when there is none, or it is not a plain string of at most
    /// 256 bytes; the full parse then says what is wrong.
    package static func claimedGateway(of json: [UInt8]) -> String? {
        var depth = 0
        var index = 0
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        let key = Array("gateway_id".utf8)
        func skipSpace() { while index < json.count, [0x20, 0x09, 0x0A, 0x0D].contains(json[index]) { index += 1 } }
        while index < json.count {
            let byte = json[index]
            if byte == quote {
                let start = index + 1
                index = start
                while index < json.count, json[index] != quote {
                    index += json[index] == backslash ? 2 : 1
                }
                guard index < json.count else { return nil }
                let text = json[start..<index]
                index += 1
                guard depth == 1, text.elementsEqual(key) else { continue }
                skipSpace()
                guard index < json.count, json[index] == UInt8(ascii: ":") else { continue }
                index += 1
                skipSpace()
                guard index < json.count, json[index] == quote else { return nil }
                let valueStart = index + 1
                guard let end = json[valueStart...].prefix(257).firstIndex(of: quote),
                    !json[valueStart..<end].contains(backslash)
                else { return nil }
                return String(decoding: json[valueStart..<end], as: UTF8.self)
            }
            if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") { depth -= 1 }
            index += 1
        }
        return nil
    }

    private static func describe(_ error: DecodingError) -> WireError {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.reduce("$") { path, key in
                key.intValue.map { "\(path)[\($0)]" } ?? "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return .invalidJSON(path: path(context), reason: "expected \(type)")
        case .valueNotFound(let type, let context):
            return .invalidJSON(path: path(context), reason: "expected \(type), found null")
        case .keyNotFound(let key, let context):
            return .invalidJSON(path: path(context) + "." + key.stringValue, reason: "missing")
        case .dataCorrupted(let context):
            return .invalidJSON(path: path(context), reason: context.debugDescription)
        @unknown default:
            return .invalidJSON(path: "$", reason: "\(error)")
        }
    }
}
