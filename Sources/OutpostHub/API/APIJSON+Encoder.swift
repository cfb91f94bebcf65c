/// The `Encoder` `APIJSON` hands to a value: each container writes straight into the output.
struct ValueEncoder: Encoder {
    let output: JSONOutput
    let state: ContainerState
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if state.kind == .none {
            output.bytes.append(UInt8(ascii: "{"))
            state.kind = .object
        }
        return KeyedEncodingContainer(ObjectWriter<Key>(output: output, state: state))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if state.kind == .none {
            output.bytes.append(UInt8(ascii: "["))
            state.kind = .array
        }
        return ArrayWriter(output: output, state: state)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        state.kind = .single
        return SingleWriter(output: output)
    }
}

/// An object's members. A nil optional is written as `null` (`encodeIfPresent`), not left out.
struct ObjectWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let output: JSONOutput
    let state: ContainerState
    var codingPath: [any CodingKey] { [] }

    private func key(_ key: Key) { output.writeKey(key.stringValue, in: state) }

    mutating func encodeNil(forKey key: Key) throws {
        self.key(key)
        output.writeNull()
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        self.key(key)
        output.write(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        self.key(key)
        output.write(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        self.key(key)
        output.write(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        self.key(key)
        output.write(Int64(value))
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        self.key(key)
        output.write(value)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        self.key(key)
        output.write(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let omittable = value as? any OmittableValue, omittable.isAbsent { return }
        self.key(key)
        try output.write(value)
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOrNull(value, key) }
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws { try encodeOrNull(value, key) }

    private mutating func encodeOrNull<T: Encodable>(_ value: T?, _ key: Key) throws {
        guard let value else { return try encodeNil(forKey: key) }
        try encode(value, forKey: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        child(key.stringValue).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        child(key.stringValue).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { child("super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { child(key.stringValue) }

    private func child(_ key: String) -> ValueEncoder {
        ValueEncoder(output: output, state: output.openChild(of: state, key: key))
    }
}

/// An array's elements.
struct ArrayWriter: UnkeyedEncodingContainer {
    let output: JSONOutput
    let state: ContainerState
    var codingPath: [any CodingKey] { [] }
    var count: Int { state.count }

    mutating func encodeNil() throws {
        output.separate(in: state)
        output.writeNull()
    }
    mutating func encode(_ value: Double) throws {
        output.separate(in: state)
        output.write(value)
    }
    mutating func encode(_ value: Int64) throws {
        output.separate(in: state)
        output.write(value)
    }
    mutating func encode(_ value: String) throws {
        output.separate(in: state)
        output.write(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        output.separate(in: state)
        try output.write(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        child().container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { child().unkeyedContainer() }
    mutating func superEncoder() -> any Encoder { child() }

    private func child() -> ValueEncoder {
        ValueEncoder(output: output, state: output.openChild(of: state, key: nil))
    }
}

/// A value that encodes itself as one value (an enum's raw value, an optional).
struct SingleWriter: SingleValueEncodingContainer {
    let output: JSONOutput
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { output.writeNull() }
    mutating func encode(_ value: Bool) throws { output.write(value) }
    mutating func encode(_ value: String) throws { output.write(value) }
    mutating func encode(_ value: Double) throws { output.write(value) }
    mutating func encode(_ value: Int) throws { output.write(Int64(value)) }
    mutating func encode(_ value: Int64) throws { output.write(value) }
    mutating func encode(_ value: UInt64) throws { output.write(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try output.write(value) }
}
