import CFiles
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// The outbox's append-only log beside the database: a commit appends one record and syncs it,
/// touching one or two pages of flash rather than the three or four a B-tree insert rewrites
/// (twice, with the WAL). Sealing a batch and the hub's acknowledgement are records too, written
/// with the next commit and carried by its sync, so a gateway whose link is up writes nothing
/// else (see `OutboxJournalState`).
///
/// Record: payload length (u32 LE), CRC-32C of the payload (u32 LE), then the payload: created-at
/// wall time (i64 LE), oldest reading (i64 LE), reading count (u32 LE), and the body, whose
/// first byte says what it is: `S` a `Segment` of committed readings, `B` a sealed batch, `A`
/// acknowledged batches (`JournalBatch`). A torn record at the end (a power cut mid-write) fails
/// its length or CRC and is cut off at open: it was never reported committed.
///
/// Not thread-safe: the outbox uses it on its own serial queue.
final class SegmentJournal {
    /// One record's place and summary.
    struct Entry: Sendable, Hashable {
        var offset: Int64
        var length: Int64
        var createdAt: Int64
        var oldest: Int64
        var readings: Int
        var kind: Kind = .segment
    }

    /// What a record holds, by the first byte of its body.
    enum Kind: UInt8, Sendable {
        case segment = 0x53  // "S"
        case batch = 0x42  // "B"
        case acknowledgement = 0x41  // "A"
    }

    let path: String
    private let descriptor: Int32
    /// Where the next record goes.
    private(set) var end: Int64

    static let headerBytes = 8
    static let summaryBytes = 20

    /// Opens (creating) the journal; cuts a torn tail off.
    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw OutboxFileError("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        let validEnd = Self.scan(descriptor: descriptor).validEnd
        end = validEnd
        if lseek(descriptor, 0, SEEK_END) != validEnd {
            guard ftruncate(descriptor, off_t(validEnd)) == 0 else {
                close(descriptor)
                throw OutboxFileError("\(path): cannot cut off a torn record: \(String(cString: strerror(errno)))")
            }
            fdatasync(descriptor)
        }
    }

    /// Reserves storage for the first `length` bytes, so the commits that fill the file allocate
    /// nothing; a filesystem that cannot is left to allocate as it goes.
    func reserve(_ length: Int64) {
        guard length > end else { return }
        _ = outpost_reserve_storage(descriptor, length)
    }

    deinit { close(descriptor) }

    /// The records, from the start.
    func entries() -> [Entry] { Self.scan(descriptor: descriptor).entries }

    /// Appends a record of committed readings and, unless `sync` is false, syncs it to storage.
    func append(segment: [UInt8], createdAt: Int64, oldest: Int64, readings: Int, sync: Bool = true) throws -> Entry {
        try append(body: segment, createdAt: createdAt, oldest: oldest, readings: readings, sync: sync)
    }

    /// Appends a record whose body starts with its `Kind` byte; syncs it unless `sync` is false
    /// (then it reaches storage with the next `sync()`, or with nothing if power fails first).
    func append(body: [UInt8], createdAt: Int64, oldest: Int64, readings: Int, sync: Bool) throws -> Entry {
        var payload: [UInt8] = []
        payload.reserveCapacity(Self.summaryBytes + body.count)
        Self.put(UInt64(bitPattern: createdAt), 8, into: &payload)
        Self.put(UInt64(bitPattern: oldest), 8, into: &payload)
        Self.put(UInt64(readings), 4, into: &payload)
        payload += body
        var record: [UInt8] = []
        record.reserveCapacity(Self.headerBytes + payload.count)
        Self.put(UInt64(payload.count), 4, into: &record)
        Self.put(UInt64(CRC32C.checksum(payload)), 4, into: &record)
        record += payload
        var written = 0
        while written < record.count {
            let count = record[written...].withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress, $0.count, off_t(end) + off_t(written))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw OutboxFileError("\(path): cannot write: \(String(cString: strerror(errno)))") }
            written += count
        }
        if sync { try self.sync() }
        let entry = Entry(
            offset: end, length: Int64(record.count), createdAt: createdAt, oldest: oldest, readings: readings,
            kind: Kind(rawValue: body.first ?? 0) ?? .segment)
        end += Int64(record.count)
        return entry
    }

    /// Makes every record written so far durable.
    func sync() throws {
        guard fdatasync(descriptor) == 0 else {
            throw OutboxFileError("\(path): cannot sync: \(String(cString: strerror(errno)))")
        }
    }

    /// Forgets the records from `offset` on (written but not synced, after a failed write or
    /// sync), cutting them off so that none can be read back at the next start.
    func rewind(to offset: Int64) {
        guard offset < end else { return }
        end = offset
        _ = ftruncate(descriptor, off_t(offset))
    }

    /// The body of `entry` (the `Segment` bytes of a segment record).
    func body(of entry: Entry) throws -> [UInt8] {
        let start = entry.offset + Int64(Self.headerBytes + Self.summaryBytes)
        let count = Int(entry.length) - Self.headerBytes - Self.summaryBytes
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
        guard got == count else { throw OutboxFileError("\(path): cannot read a segment at \(entry.offset)") }
        return bytes
    }

    /// Empties the journal (every record is sealed).
    func reset() throws {
        guard ftruncate(descriptor, 0) == 0, fdatasync(descriptor) == 0 else {
            throw OutboxFileError("\(path): cannot empty: \(String(cString: strerror(errno)))")
        }
        end = 0
    }

    /// The body of `entry` in the journal at `path`, read without changing it.
    static func readBody(atPath path: String, entry: Entry) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw OutboxFileError("\(path): cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let start = entry.offset + Int64(headerBytes + summaryBytes)
        let count = Int(entry.length) - headerBytes - summaryBytes
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(start)) }
        guard got == count else { throw OutboxFileError("\(path): cannot read a segment at \(entry.offset)") }
        return bytes
    }

    /// Reads the records of the journal at `path` without changing it (for `verify`).
    static func entries(atPath path: String) -> [Entry] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        return scan(descriptor: descriptor).entries
    }

    private static func scan(descriptor: Int32) -> (entries: [Entry], validEnd: Int64) {
        var entries: [Entry] = []
        var offset: Int64 = 0
        var header = [UInt8](repeating: 0, count: headerBytes)
        while true {
            let got = header.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, headerBytes, off_t(offset)) }
            guard got == headerBytes else { break }
            let length = Int(get(header, 0, 4))
            let crc = UInt32(get(header, 4, 4))
            guard length >= summaryBytes, length <= 64 << 20 else { break }
            var payload = [UInt8](repeating: 0, count: length)
            let read = payload.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress, length, off_t(offset) + off_t(headerBytes))
            }
            guard read == length, CRC32C.checksum(payload) == crc else { break }
            entries.append(
                Entry(
                    offset: offset, length: Int64(headerBytes + length),
                    createdAt: Int64(bitPattern: get(payload, 0, 8)), oldest: Int64(bitPattern: get(payload, 8, 8)),
                    readings: Int(get(payload, 16, 4)),
                    kind: length > summaryBytes ? Kind(rawValue: payload[summaryBytes]) ?? .segment : .segment))
            offset += Int64(headerBytes + length)
        }
        return (entries, offset)
    }

    private static func put(_ value: UInt64, _ bytes: Int, into buffer: inout [UInt8]) {
        for index in 0..<bytes { buffer.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(index)))) }
    }

    private static func get(_ buffer: [UInt8], _ start: Int, _ bytes: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<bytes { value |= UInt64(buffer[start + index]) << (8 * UInt64(index)) }
        return value
    }
}

@available(*, unavailable)
extension SegmentJournal: Sendable {}

/// An I/O failure of the outbox's own files, naming the file.
struct OutboxFileError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
