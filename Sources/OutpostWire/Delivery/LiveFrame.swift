/// The compact form of the live topic (agent → hub, QoS 0), sent by agents on `live =
/// "on-demand"` while watched: a series is sent only when its value moved by at least its
/// resolution, as a whole number of resolution steps, with no names.
///
/// ```
/// 0xB1                    marks the compact form (a JSON `LiveDocument` starts with `{`)
/// flags                   bit 0: key frame (steps absolute); bit 1: the catalog follows;
///                         bit 2: the entries are marked in a bitmap, not by index gaps
/// catalog id              varint: which catalog the indices refer to
/// time                    varint: milliseconds since the epoch of the newest value
/// [catalog]               varint count, then per series: name (varint length, UTF-8),
///                         resolution mantissa (varint; 0: none, values travel as doubles)
///                         and exponent (one byte)
/// entries                 varint count, then per entry: index gap (varint: index minus the
///                         previous index, minus one) and value; or (bit 2) a bitmap of
///                         ⌈series/8⌉ bytes, bit i (low bit first) set when series i has an
///                         entry, then the values in index order. A value: zigzag varint of
///                         steps (in a key frame absolute, otherwise from the last key
///                         frame's), or 8 bytes little-endian for a series without resolution
/// ```
///
/// Delta frames are read against the last key frame, so a lost delta frame loses nothing
/// afterwards; a lost key frame or catalog is sent again when the hub's watch document names a
/// catalog other than the agent's (`WatchDocument.catalog`).
package struct LiveFrame: Sendable, Hashable {
    /// A series of the catalog: its name and resolution (nil: raw doubles).
    package struct Series: Sendable, Hashable {
        package var name: String
        package var resolution: Resolution?
        package init(name: String, resolution: Resolution?) { (self.name, self.resolution) = (name, resolution) }
    }

    /// One value: steps of the series' resolution, or a raw double.
    package enum Value: Sendable, Hashable {
        case steps(Int64)
        case raw(Double)
    }

    /// One series' value: its index in the catalog and the value.
    package struct Entry: Sendable, Hashable {
        package var index: Int
        package var value: Value
        package init(index: Int, value: Value) { (self.index, self.value) = (index, value) }
    }

    package var key: Bool
    package var catalogID: UInt32
    package var catalog: [Series]?
    /// When the newest value was taken, ns since the epoch (carried to the millisecond).
    package var time: Int64
    /// In increasing index order.
    package var entries: [Entry]

    package static let marker: UInt8 = 0xB1
    /// The most series a catalog holds, and the longest name.
    package static let maxSeries = 10_000
    package static let maxNameBytes = 1024

    package init(key: Bool, catalogID: UInt32, catalog: [Series]?, time: Int64, entries: [Entry]) {
        (self.key, self.catalogID, self.catalog, self.time, self.entries) = (key, catalogID, catalog, time, entries)
    }

    /// The bytes. With `seriesCount` (the catalog's size), the entries are marked in a bitmap
    /// when that is shorter than their index gaps (when most series moved).
    package func encoded(seriesCount: Int? = nil) -> [UInt8] {
        let gapBytes = entries.count
        let bitmap = seriesCount.map { count in (count + 7) / 8 < gapBytes && entries.allSatisfy { $0.index < count } }
        let useBitmap = bitmap ?? false
        var writer = ByteWriter(capacity: 16 + entries.count * 3)
        writer.write(Self.marker)
        writer.write((key ? 1 : 0) | (catalog == nil ? 0 : 2) | (useBitmap ? 4 : 0))
        writer.writeVarUInt(UInt64(catalogID))
        writer.writeVarUInt(UInt64(max(0, time / 1_000_000)))
        if let catalog {
            writer.writeVarUInt(UInt64(catalog.count))
            for series in catalog {
                writer.writeString(series.name)
                writer.writeVarUInt(UInt64(series.resolution?.mantissa ?? 0))
                writer.write(UInt8(bitPattern: series.resolution?.exponent ?? 0))
            }
        }
        if useBitmap, let seriesCount {
            var marks = [UInt8](repeating: 0, count: (seriesCount + 7) / 8)
            for entry in entries { marks[entry.index / 8] |= 1 << UInt8(entry.index % 8) }
            writer.write(marks)
        } else {
            writer.writeVarUInt(UInt64(entries.count))
        }
        var previous = -1
        for entry in entries {
            if !useBitmap { writer.writeVarUInt(UInt64(max(0, entry.index - previous - 1))) }
            previous = entry.index
            switch entry.value {
            case .steps(let steps): writer.writeVarInt(steps)
            case .raw(let value): writer.writeDouble(value)
            }
        }
        return writer.bytes
    }

    /// The catalog a frame's indices refer to, and whether the frame carries it; nil when the
    /// bytes do not start as a compact frame.
    package static func catalog(of bytes: [UInt8]) -> (id: UInt32, carried: Bool)? {
        var reader = ByteReader(bytes)
        guard (try? reader.readByte("marker")) == marker, let flags = try? reader.readByte("flags"),
            let id = try? reader.readVarUInt("catalog id"), let id32 = UInt32(exactly: id)
        else { return nil }
        return (id32, flags & 2 != 0)
    }

    /// Reads the bytes; what does not hold together is refused with the field and offset.
    /// Whether an entry is steps or raw depends on the catalog: `resolutions` gives, for a
    /// frame without its own catalog, the resolutions of the catalog `catalogID` names (nil when
    /// the reader has none: the entries cannot be read and the frame is refused).
    package init(bytes: [UInt8], resolutions: (UInt32) -> [Resolution?]?) throws(DocumentError) {
        guard bytes.count <= LiveDocument.maxBytes else {
            throw DocumentError("a compact live document of \(bytes.count) bytes, above \(LiveDocument.maxBytes)")
        }
        do throws(WireError) {
            var reader = ByteReader(bytes)
            guard try reader.readByte("marker") == Self.marker else { throw .badMagic }
            let flags = try reader.readByte("flags")
            guard flags & ~7 == 0 else { throw .malformed(field: "flags", offset: 1, reason: "unknown flags") }
            key = flags & 1 != 0
            let id = try reader.readVarUInt("catalog id")
            guard let id32 = UInt32(exactly: id) else {
                throw .malformed(field: "catalog id", offset: 2, reason: "above 2^32")
            }
            catalogID = id32
            let milliseconds = try reader.readVarUInt("time")
            guard milliseconds <= UInt64(TimeWindow.upperBound / 1_000_000) else {
                throw .implausibleTime(field: "time", timestamp: Int64(clamping: milliseconds))
            }
            time = Int64(milliseconds) * 1_000_000
            if flags & 2 != 0 {
                let count = try reader.readCount("catalog count", maximum: Self.maxSeries, limit: "series")
                var read: [Series] = []
                for _ in 0..<count {
                    let name = try reader.readString("series name", maxBytes: Self.maxNameBytes, limit: "name bytes")
                    let start = reader.offset
                    let mantissa = try reader.readVarUInt("resolution")
                    if mantissa == 0 {
                        _ = try reader.readByte("resolution exponent")
                        read.append(Series(name: name, resolution: nil))
                    } else {
                        let resolution = try reader.readResolution(mantissa: mantissa, startingAt: start, "resolution")
                        read.append(Series(name: name, resolution: resolution))
                    }
                }
                catalog = read
            } else {
                catalog = nil
            }
            guard let kinds = catalog.map({ $0.map(\.resolution) }) ?? resolutions(id32) else {
                throw .malformed(field: "catalog id", offset: 2, reason: "catalog \(id32) is not known here")
            }
            var marked: [Int]?
            if flags & 4 != 0 {
                let start = reader.offset
                let marks = Array(try reader.readBytes((kinds.count + 7) / 8, "bitmap"))
                marked = (0..<marks.count * 8).filter { marks[$0 / 8] & (1 << UInt8($0 % 8)) != 0 }
                guard marked?.last.map({ $0 < kinds.count }) ?? true else {
                    throw .malformed(field: "bitmap", offset: start, reason: "marks past the catalog's series")
                }
            }
            let count: Int
            if let marked {
                count = marked.count
            } else {
                count = try reader.readCount("entry count", maximum: kinds.count, limit: "entries")
            }
            var entries: [Entry] = []
            entries.reserveCapacity(count)
            var previous = -1
            for position in 0..<count {
                let start = reader.offset
                let index: Int
                if let marked {
                    index = marked[position]
                } else {
                    index = previous + 1 + (try reader.readCount("index gap", maximum: kinds.count, limit: "index"))
                }
                guard index < kinds.count else {
                    throw .malformed(field: "index", offset: start, reason: "past the catalog's \(kinds.count) series")
                }
                previous = index
                let value: Value =
                    kinds[index] == nil ? .raw(try reader.readDouble("value")) : .steps(try reader.readVarInt("value"))
                entries.append(Entry(index: index, value: value))
            }
            self.entries = entries
            guard reader.offset == bytes.count else {
                throw .malformed(field: "end", offset: reader.offset, reason: "bytes after the last entry")
            }
        } catch {
            throw DocumentError("a compact live document that does not read: \(error)")
        }
    }
}
