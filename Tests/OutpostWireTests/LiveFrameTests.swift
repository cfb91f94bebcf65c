import OutpostWire
import Testing

@Suite("The compact live frame")
struct LiveFrameTests {
    let catalog = [
        LiveFrame.Series(name: "room.temperature", resolution: Resolution(parsing: "0.1")),
        LiveFrame.Series(name: "flow", resolution: nil),
        LiveFrame.Series(name: "pulses", resolution: Resolution(parsing: "1")),
    ]

    func read(_ bytes: [UInt8], known: [Resolution?]? = nil, id: UInt32 = 7) throws(DocumentError) -> LiveFrame {
        try LiveFrame(bytes: bytes) { $0 == id ? known : nil }
    }

    @Test("Key frames with their catalog, and delta frames against it, read back as written")
    func roundTrip() throws {
        let key = LiveFrame(
            key: true, catalogID: 7, catalog: catalog, time: 1_790_000_000_123_000_000,
            entries: [
                .init(index: 0, value: .steps(213)), .init(index: 1, value: .raw(-0.0)),
                .init(index: 2, value: .steps(Int64(1) << 53)),
            ])
        #expect(try read(key.encoded()) == key)
        let delta = LiveFrame(
            key: false, catalogID: 7, catalog: nil, time: 1_790_000_001_000_000_000,
            entries: [.init(index: 0, value: .steps(-1)), .init(index: 1, value: .raw(.nan))])
        let decoded = try read(delta.encoded(), known: catalog.map(\.resolution))
        #expect(decoded.entries[0] == delta.entries[0])
        if case .raw(let nan) = decoded.entries[1].value {
            #expect(nan.isNaN, "a raw double travels bit for bit")
        } else {
            Issue.record("not raw: \(decoded.entries[1].value)")
        }
        // One changed value in a delta frame: marker, flags, id, time, count, gap, value.
        let small = LiveFrame(
            key: false, catalogID: 7, catalog: nil, time: 1_790_000_001_000_000_000,
            entries: [.init(index: 2, value: .steps(3))])
        #expect(small.encoded().count == 1 + 1 + 1 + 6 + 1 + 1 + 1)
        #expect(LiveFrame.catalog(of: small.encoded()).map { $0.id == 7 && !$0.carried } == true)
    }

    @Test("Hostile bytes are refused with what and where, never trapped: every truncation, extra bytes, huge counts")
    func hostile() throws {
        let key = LiveFrame(
            key: true, catalogID: UInt32.max, catalog: catalog, time: 1_790_000_000_000_000_000,
            entries: [.init(index: 0, value: .steps(.max)), .init(index: 2, value: .steps(.min))])
        let bytes = key.encoded()
        #expect(try read(bytes, id: .max) == key)
        for length in 0..<bytes.count {
            #expect(throws: DocumentError.self, "\(length) bytes") { try read(Array(bytes.prefix(length))) }
        }
        #expect(throws: DocumentError.self) { try read(bytes + [0]) }
        var flags = bytes
        flags[1] |= 0x80
        #expect(throws: DocumentError.self) { try read(flags) }
        // A catalog id past 32 bits, a time past 2200, a count of UInt64.max, an index past the catalog.
        let hugeID: [UInt8] = [0xB1, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0]
        #expect(throws: DocumentError.self) { try read(hugeID) }
        let future: [UInt8] = [0xB1, 0, 7] + varint(UInt64.max) + [0]
        #expect((try? read(future, known: [])) == nil)
        let count: [UInt8] = [0xB1, 0, 7, 1] + varint(UInt64.max)
        #expect(throws: DocumentError.self) { try read(count, known: [nil]) }
        let pastEnd: [UInt8] = [0xB1, 0, 7, 1, 1, 5, 2]
        #expect(throws: DocumentError.self) { try read(pastEnd, known: [nil, nil]) }
        // A frame of a catalog the reader does not hold cannot be read.
        let unknown = LiveFrame(key: false, catalogID: 8, catalog: nil, time: 0, entries: [])
        #expect(throws: DocumentError.self) { try read(unknown.encoded(), known: []) }
        #expect(LiveFrame.catalog(of: [0x7B]) == nil, "JSON is not a compact frame")
        // Random bytes after the marker: refused or read, never a crash.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let noise = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            _ = try? read([0xB1] + noise, known: [nil, Resolution(parsing: "0.1"), nil])
        }
    }

    @Test("When most series moved, a bitmap marks them instead of index gaps; it reads back the same")
    func bitmap() throws {
        let many = (0..<20).map { LiveFrame.Series(name: "s\($0)", resolution: Resolution(parsing: "0.1")) }
        let entries = (0..<20).filter { $0 != 7 }.map { LiveFrame.Entry(index: $0, value: .steps(Int64($0) - 10)) }
        let frame = LiveFrame(key: false, catalogID: 3, catalog: nil, time: 0, entries: entries)
        let gaps = frame.encoded()
        let marked = frame.encoded(seriesCount: 20)
        #expect(marked[1] & 4 != 0 && gaps[1] & 4 == 0)
        #expect(marked.count == gaps.count - 19 - 1 + 3, "19 gap bytes and the count become 3 bitmap bytes")
        let kinds = many.map(\.resolution)
        #expect(try read(marked, known: kinds, id: 3) == frame)
        #expect(try read(gaps, known: kinds, id: 3) == frame)
        // A bitmap marking a series past the catalog is refused.
        var past = marked
        past[4 + 2] |= 0x80  // bit 23 of the bitmap (after marker, flags, id, time)
        #expect(throws: DocumentError.self) { try read(past, known: kinds, id: 3) }
        // Few entries keep the gaps.
        let sparse = LiveFrame(key: false, catalogID: 3, catalog: nil, time: 0, entries: [entries[0]])
        #expect(sparse.encoded(seriesCount: 20)[1] & 4 == 0)
    }

    private func varint(_ value: UInt64) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeVarUInt(value)
        return writer.bytes
    }
}
