/// Why a chunk, a frame or its JSON rendering was refused.
///
/// A closed set used by the codec; every case says what was wrong and where (field name and
/// byte offset), and `description` never includes payload bytes or keys, so it is safe to log.
package enum WireError: Error, Hashable, Sendable {
    /// The input ended inside `field`, which starts at byte `offset`.
    case truncated(field: String, offset: Int)
    /// The first four bytes are not `OPST`: this is not an Outpost frame.
    case badMagic
    /// The frame's format version is not one this decoder reads.
    case unknownVersion(UInt8)
    /// The CRC-32C stored in the frame does not match its bytes: corrupted in transit or storage.
    case crcMismatch(stored: UInt32, computed: UInt32)
    /// The signature does not verify against the gateway's key, or the signature algorithm is not
    /// accepted for this gateway; `code` says when the gateway is unknown or revoked.
    case badSignature(gateway: String, reason: String, code: RefusalCode)
    /// A count or size is larger than the decoder's configured limit.
    case limitExceeded(limit: String, value: UInt64, maximum: UInt64, offset: Int)
    /// A field holds a value that is not allowed.
    case malformed(field: String, offset: Int, reason: String)
    /// The JSON rendering is not valid: `path` is the JSON path of the offending member.
    case invalidJSON(path: String, reason: String)
    /// A sample's time (as recorded, or once corrected for the gateway's clock) lies outside
    /// `TimeWindow`: `field` names the series.
    case implausibleTime(field: String, timestamp: Int64)

    /// A short, stable name for metrics labels and counters.
    package var reasonCode: RefusalCode {
        switch self {
        case .truncated: .truncated
        case .badMagic: .badMagic
        case .unknownVersion: .unknownVersion
        case .crcMismatch: .crcMismatch
        case .badSignature(_, _, let code): code
        case .limitExceeded: .limitExceeded
        case .malformed: .malformed
        case .invalidJSON: .invalidJSON
        case .implausibleTime: .implausibleTime
        }
    }
}

extension WireError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .truncated(let field, _) where field == "magic":
            "not an Outpost batch frame: too short to begin with 'OPST'"
        case .truncated(let field, let offset):
            "frame truncated: input ends inside \(field) (byte \(offset))"
        case .badMagic:
            "not an Outpost batch frame: the first four bytes are not 'OPST'"
        case .unknownVersion(let version):
            "unknown frame format version \(version); this decoder reads version \(BatchFrame.formatVersion)"
        case .crcMismatch(let stored, let computed):
            "frame corrupted: CRC-32C stored \(hex(stored)), computed \(hex(computed))"
        case .badSignature(let gateway, let reason, _):
            "signature of gateway '\(gateway)' rejected: \(reason)"
        case .limitExceeded(let limit, let value, let maximum, let offset):
            "\(limit) is \(value) at byte \(offset), above the limit of \(maximum)"
        case .malformed(let field, let offset, let reason):
            "\(field) at byte \(offset) is malformed: \(reason)"
        case .invalidJSON(let path, let reason):
            "JSON frame: \(path): \(reason)"
        case .implausibleTime(let field, let timestamp):
            "\(field) has a sample at \(timestamp) ns since 1970, outside the times readings can have (\(TimeWindow.text))"
        }
    }
}

private func hex(_ value: UInt32) -> String { "0x" + Hex.digits(value) }
