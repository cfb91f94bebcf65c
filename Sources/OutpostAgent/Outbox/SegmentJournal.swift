import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// The outbox's append-only file of committed segments, beside the database: a commit appends
/// one record and syncs it, touching one or two pages of flash rather than the three or four a
/// B-tree insert rewrites (twice, with the WAL).
///
/// Record: payload length (u32 LE), CRC-32C of the payload (u32 LE), then the payload: created-at
/// wall time (i64 LE), oldest reading (i64 LE), reading count (u32 LE), and the `Segment` bytes.
/// A torn record at the end (a power cut mid-write) fails its length or CRC and is cut off at
/// open: it was never reported committed. Which records are already sealed into batches is kept
/// in the database (`journal_consumed`), updated in the same transaction as the sealed batch.
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

    deinit { close(descriptor) }

    /// The records, from the start.
    func entries() -> [Entry] { Self.scan(descriptor: descriptor).entries }

    /// Appends a record and syncs it to storage.
    func append(segment: [UInt8], createdAt: Int64, oldest: Int64, readings: Int) throws -> Entry {
        var payload: [UInt8] = []
        payload.reserveCapacity(Self.summaryBytes + segment.count)
        Self.put(UInt64(bitPattern: createdAt), 8, into: &payload)
        Self.put(UInt64(bitPattern: oldest), 8, into: &payload)
        Self.put(UInt64(readings), 4, into: &payload)
        payload += segment
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
        guard fdatasync(descriptor) == 0 else {
            throw OutboxFileError("\(path): cannot sync: \(String(cString: strerror(errno)))")
        }
        let entry = Entry(
            offset: end, length: Int64(record.count), createdAt: createdAt, oldest: oldest, readings: readings)
        end += Int64(record.count)
        return entry
    }

    /// The segment bytes of `entry`.
    func segment(of entry: Entry) throws -> [UInt8] {
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

    /// The segment bytes of `entry` in the journal at `path`, read without changing it.
    static func readSegment(atPath path: String, entry: Entry) throws -> [UInt8] {
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
                    readings: Int(get(payload, 16, 4))))
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
