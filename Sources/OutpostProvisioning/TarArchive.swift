import CompressNIO
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// A POSIX ustar archive of a few small files, gzip'd (compress-nio): what `tar -xzf` unpacks on
/// the gateway. Enough for a provisioning bundle; not a general tar writer.
enum TarArchive {
    /// `entries` (path in the archive, bytes, mode) as a `.tar.gz`; the folders of the paths
    /// come first.
    static func gzipped(_ entries: [(path: String, bytes: [UInt8], mode: mode_t)]) throws -> [UInt8] {
        var tar: [UInt8] = []
        let mtime = Int(time(nil))
        var folders: [String] = []
        for entry in entries {
            let parts = entry.path.split(separator: "/").dropLast()
            var folder = ""
            for part in parts {
                folder += part + "/"
                if !folders.contains(folder) { folders.append(folder) }
            }
        }
        for folder in folders { tar += header(folder, size: 0, mode: 0o755, type: "5", mtime: mtime) }
        for entry in entries {
            guard entry.path.utf8.count < 100 else {
                throw ProvisioningError(.io, "'\(entry.path)' is too long a name for the archive")
            }
            tar += header(entry.path, size: entry.bytes.count, mode: entry.mode, type: "0", mtime: mtime)
            tar += entry.bytes
            tar += [UInt8](repeating: 0, count: (512 - entry.bytes.count % 512) % 512)
        }
        tar += [UInt8](repeating: 0, count: 1024)
        var buffer = ByteBuffer(bytes: tar)
        let compressed = try buffer.compress(with: .gzip())
        return Array(buffer: compressed)
    }

    private static func header(_ name: String, size: Int, mode: mode_t, type: Character, mtime: Int) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (index, byte) in text.utf8.prefix(width).enumerated() { block[offset + index] = byte }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            let digits = String(value, radix: 8)
            put(String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits, at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(Int(mode), at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(mtime, at: 136, width: 12)
        put("        ", at: 148, width: 8)
        block[156] = UInt8(ascii: type == "5" ? "5" : "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        put("root", at: 265, width: 32)
        put("root", at: 297, width: 32)
        let sum = block.reduce(0) { $0 + Int($1) }
        let digits = String(sum, radix: 8)
        put(String(repeating: "0", count: max(0, 6 - digits.count)) + digits, at: 148, width: 6)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return block
    }
}
