/// Writes the API's `Encodable` answers as compact JSON bytes, in one pass and without
/// Foundation: a 30-day chart of 720 buckets takes a fifth to a seventh of `JSONEncoder`'s time
/// (BENCHMARKS.md, dashboard API). The rules are the API's, stated once here:
/// - keys in the order the type declares them;
/// - an optional that is nil is written as `null`, never left out, so every key the spec names
///   is always there (`openapi.yaml` marks such keys `type: [..., "null"]`);
/// - NaN and infinities, which JSON cannot hold, are `null`; integral doubles are written
///   without a fraction (`85`, not `85.0`);
/// - slashes are not escaped.
package enum APIJSON {
    /// `value` as JSON bytes.
    package static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let output = JSONOutput()
        output.bytes.reserveCapacity(4096)
        try output.write(value)
        return output.bytes
    }
}

/// The bytes written so far, and the writing of single values.
final class JSONOutput {
    // Written only by the one encode that owns this output: no dynamic exclusivity checks.
    @exclusivity(unchecked) var bytes: [UInt8] = []

    func write<Value: Encodable>(_ value: Value) throws {
        // Metatype comparisons, not dynamic casts: they cost nothing per element.
        if Value.self == String.self {
            write(unsafeBitCast(value, to: String.self))
        } else if Value.self == Int64.self {
            write(unsafeBitCast(value, to: Int64.self))
        } else if Value.self == Double.self {
            write(unsafeBitCast(value, to: Double.self))
        } else if Value.self == Int.self {
            write(Int64(unsafeBitCast(value, to: Int.self)))
        } else if Value.self == UInt64.self {
            write(unsafeBitCast(value, to: UInt64.self))
        } else if Value.self == Bool.self {
            write(unsafeBitCast(value, to: Bool.self))
        } else if let rows = value as? any APIJSONWritableArray {
            rows.writeJSONArray(into: self)
        } else if let direct = value as? any APIJSONWritable {
            direct.writeJSON(into: self)
        } else {
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

    // Each writer touches `bytes` once, through one inout access: appending byte by byte to a
    // class's array pays an exclusivity check per byte.
    func writeNull() { bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    func write(_ flag: Bool) {
        bytes.append(contentsOf: flag ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
    }

    func write(_ number: Int64) { Self.append(number, to: &bytes) }

    func write(_ number: UInt64) { Self.append(number, to: &bytes) }

    func write(_ number: Double) { Self.append(number, to: &bytes) }

    func write(_ text: String) { Self.append(text, to: &bytes) }

    static func append(_ number: Int64, to bytes: inout [UInt8]) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        append(number.magnitude, to: &bytes)
    }

    static func append(_ number: UInt64, to bytes: inout [UInt8]) {
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

    static func append(_ number: Double, to bytes: inout [UInt8]) {
        guard number.isFinite else { return bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }
        if number == number.rounded(), abs(number) < 1e15 {
            append(Int64(number), to: &bytes)
        } else {
            // The shortest digits that read back as `number`, as `description` gives them, but
            // written from the standard library's stack buffer: `description` builds a String
            // (a heap allocation past 15 characters), half the cost of a chart's answer.
            var sink = ASCIISink()
            swap(&sink.bytes, &bytes)
            number.write(to: &sink)
            swap(&sink.bytes, &bytes)
        }
    }

    /// A JSON string: quotes, backslashes and control characters escaped, runs between them
    /// copied whole.
    static func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var run = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<index]))
                run = index + 1
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), byte])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                        hex[Int(byte >> 4)],
                        hex[Int(byte & 0x0F)],
                    ])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func writeKey(_ key: String, in state: ContainerState) {
        closeChild(of: state)
        let first = state.count == 0
        state.count += 1
        Self.appendKey(key, first: first, to: &bytes)
    }

    static func appendKey(_ key: String, first: Bool, to bytes: inout [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        append(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    func separate(in state: ContainerState) {
        closeChild(of: state)
        if state.count > 0 { bytes.append(UInt8(ascii: ",")) }
        state.count += 1
    }
}

/// Where `Double.write(to:)` puts its digits: the standard library hands a number's ASCII to
/// `_writeASCII` from a buffer on the stack, and would otherwise make a String of it for `write`.
struct ASCIISink: TextOutputStream {
    var bytes: [UInt8] = []
    mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
}

/// A document of which a chart holds hundreds (buckets, sample rows): it writes itself straight
/// into the output, with the keys of its own `CodingKeys`, skipping the `Encoder` boxes that cost
/// more than the writing. APIContractTests checks what it writes as it checks every document.
protocol APIJSONWritable {
    func writeJSON(into output: JSONOutput)
}

/// A member's name as written before its value, `"key":` (with a comma before it unless it is
/// the object's first), made once: a row type keeps its names in static lets.
struct JSONFieldName {
    let bytes: [UInt8]
    init(_ key: some CodingKey, first: Bool = false) {
        var bytes: [UInt8] = []
        JSONOutput.appendKey(key.stringValue, first: first, to: &bytes)
        self.bytes = bytes
    }
}

extension JSONOutput {
    /// `"key":value` inside an object.
    func field(_ name: JSONFieldName, _ value: Int64) {
        bytes.append(contentsOf: name.bytes)
        Self.append(value, to: &bytes)
    }

    func field(_ name: JSONFieldName, _ value: Double) {
        bytes.append(contentsOf: name.bytes)
        Self.append(value, to: &bytes)
    }
}

/// What a value opened while encoding itself, closed once its `encode(to:)` returns.
final class ContainerState {
    enum Kind { case none, object, array, single }
    @exclusivity(unchecked) var kind = Kind.none
    @exclusivity(unchecked) var count = 0
    @exclusivity(unchecked) var openChild: ContainerState?
}

/// An array of `APIJSONWritable` rows, written in one loop: going through `Encodable` casts and
/// boxes each element on its own, which cost as much as writing it.
protocol APIJSONWritableArray {
    func writeJSONArray(into output: JSONOutput)
}

extension Array: APIJSONWritableArray where Element: APIJSONWritable {
    func writeJSONArray(into output: JSONOutput) {
        // Room for rows of about a chart bucket's size: growing 4 KB by doubling to a chart's
        // 72 KB copies it five times.
        output.bytes.reserveCapacity(output.bytes.count + count * 96)
        output.bytes.append(UInt8(ascii: "["))
        for index in indices {
            if index > startIndex { output.bytes.append(UInt8(ascii: ",")) }
            self[index].writeJSON(into: output)
        }
        output.bytes.append(UInt8(ascii: "]"))
    }
}
