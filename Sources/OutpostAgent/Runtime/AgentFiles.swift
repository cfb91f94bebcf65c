import OutpostCLI

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

    /// Replaces a file atomically; a failure is not fatal (status is advisory) and is ignored.
    static func writeAtomically(_ bytes: [UInt8], to path: String) {
        do throws(FileIO.Failure) {
            try FileIO.write(bytes, to: path)
        } catch {
            return  // the next status write tries again; the status topic carries the same
        }
    }

    /// Bytes this process caused to be written to storage.
    static func storageBytesWritten() -> Int64 { StorageWrites.bytesWritten(by: getpid()) }
}

/// The bytes a process caused to be written to storage (`write_bytes` of /proc/PID/io): the
/// figure flash-wear planning needs, read by the agent for itself and by the benchmark for it.
public enum StorageWrites {
    /// `write_bytes` of `pid`; 0 when it cannot be read (no /proc, or the process is gone).
    public static func bytesWritten(by pid: pid_t) -> Int64 {
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
