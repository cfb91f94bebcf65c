/// Writes the API's `Encodable` answers as compact JSON bytes, in one pass and without
/// Foundation: a 30-day chart of 720 buckets takes about a tenth of `JSONEncoder`'s time
/// (BENCHMARKS.md, dashboard API). The rules are the API's, stated once here:
/// - keys in the order the type declares them;
/// - an optional that is nil is written as `null`, never left out, so every key the spec names
///   is always there (`openapi.yaml` marks such keys `type: [..., "null"]`);
/// - NaN and infinities, which JSON cannot hold, are `null`; integral doubles are written
///   without a fraction (`85`, not `85.0`);
/// - slashes are not escaped.
public enum APIJSON {
    /// `value` as JSON bytes.
    public static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let output = JSONOutput()
        output.bytes.reserveCapacity(4096)
        try output.write(value)
        return output.bytes
    }
}

/// The bytes written so far, and the writing of single values.
final class JSONOutput {
    var bytes: [UInt8] = []

    func write<Value: Encodable>(_ value: Value) throws {
        switch value {
        case let text as String: write(text)
        case let number as Int64: write(number)
        case let number as Int: write(Int64(number))
        case let number as Double: write(number)
        case let number as UInt64: write(number)
        case let flag as Bool: write(flag)
        default:
            let state = ContainerState()
            try value.encode(to: ValueEncoder(output: self, state: state))
            close(state)
        }
    }

    /// Ends what `state` opened (and any nested container still open inside it).
    func close(_ state: ContainerState) {
        closeChild(of: state)
        switch state.kind {
        case .object: bytes.append(UInt8(ascii: "}"))
        case .array: bytes.append(UInt8(ascii: "]"))
        case .single: break
        case .none: bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
        }
    }

    /// Ends a nested container of `state`'s before `state` writes on.
    func closeChild(of state: ContainerState) {
        guard let child = state.openChild else { return }
        state.openChild = nil
        close(child)
    }

    /// A nested container (or super encoder) of `state`'s: its key or place is written, and it
    /// is ended when `state` next writes or ends.
    func openChild(of state: ContainerState, key: String?) -> ContainerState {
        if let key { writeKey(key, in: state) } else { separate(in: state) }
        let child = ContainerState()
        state.openChild = child
        return child
    }

    func writeNull() { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    func write(_ flag: Bool) {
        bytes.append(contentsOf: flag ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
    }

    func write(_ number: Int64) {
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
            write(number.magnitude)
        } else {
            write(UInt64(number))
        }
    }

    func write(_ number: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            var rest = number
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            bytes.append(contentsOf: digits[index..<20])
        }
    }

    func write(_ number: Double) {
        guard number.isFinite else { return writeNull() }
        if number == number.rounded(), abs(number) < 1e15 {
            write(Int64(number))
        } else {
            bytes.append(contentsOf: number.description.utf8)
        }
    }

    func write(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func writeKey(_ key: String, in state: ContainerState) {
        closeChild(of: state)
        if state.count > 0 { bytes.append(UInt8(ascii: ",")) }
        state.count += 1
        write(key)
        bytes.append(UInt8(ascii: ":"))
    }

    func separate(in state: ContainerState) {
        closeChild(of: state)
        if state.count > 0 { bytes.append(UInt8(ascii: ",")) }
        state.count += 1
    }
}

/// What a value opened while encoding itself, closed once its `encode(to:)` returns.
final class ContainerState {
    enum Kind { case none, object, array, single }
    var kind = Kind.none
    var count = 0
    var openChild: ContainerState?
}
