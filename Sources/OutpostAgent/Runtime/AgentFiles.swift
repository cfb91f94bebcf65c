import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's few file operations outside the outbox.
enum AgentFiles {
    /// A whole text file (a key, a certificate).
    static func readText(_ path: String) throws -> String {
        String(decoding: try FileIO.read(path), as: UTF8.self)
    }

    /// Creates `path` (and its parents) when missing, mode 0750.
    static func makeDirectory(_ path: String) throws { try FileIO.makeDirectory(path) }

    /// Rewrites a small file in place, padded with spaces to its old length, without a sync: no
    /// new inode, no allocation, one page written back by the kernel — for a status file written
    /// every minute for years on flash, where replacing it atomically costs four metadata pages
    /// each time. A reader may catch it mid-write (or torn by a power cut) and should read again;
    /// a failure is ignored (status is advisory).
    static func rewriteInPlace(_ bytes: [UInt8], to path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var info = stat()
        let previous = fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
        // JSON allows trailing white space: padding replaces a longer old text without a truncate.
        let padded = bytes + [UInt8](repeating: 0x20, count: max(0, previous - bytes.count))
        var written = 0
        while written < padded.count {
            let count = padded[written...].withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress, $0.count, off_t(written))
            }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    /// Bytes this process caused to be written to storage.
    static func storageBytesWritten() -> Int64 { StorageWrites.bytesWritten(by: getpid()) }
}

/// The bytes a process caused to be written to storage (`write_bytes` of /proc/PID/io): the
/// figure flash-wear planning needs, read by the agent for itself and by the benchmark for it.
package enum StorageWrites {
    /// `write_bytes` of `pid`; 0 when it cannot be read (no /proc, or the process is gone).
    package static func bytesWritten(by pid: pid_t) -> Int64 {
        let text: String
        do throws(FileIO.Failure) {
            text = String(decoding: try FileIO.read("/proc/\(pid)/io"), as: UTF8.self)
        } catch {
            return 0
        }
        for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
            return Int64(line.dropFirst("write_bytes:".count).filter { !$0.isWhitespace }) ?? 0
        }
        return 0
    }
}
