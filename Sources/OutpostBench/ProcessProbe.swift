import OutpostSystem

#if canImport(Glibc)
    import Glibc
#endif

/// What /proc says about a process the benchmarks run: CPU time and resident memory.
package enum ProcessProbe {
    /// utime + stime of `pid`, in clock ticks.
    package static func cpuTicks(_ pid: pid_t) -> Int {
        let text = readText("/proc/\(pid)/stat")
        // The command name may hold spaces; fields are counted after its closing parenthesis.
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13 else { return 0 }
        return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }

    /// VmRSS of `pid` in kB.
    package static func residentKilobytes(_ pid: pid_t) -> Int {
        for line in readText("/proc/\(pid)/status").split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    package static func readText(_ path: String) -> String {
        do throws(FileIO.Failure) {
            return String(decoding: try FileIO.read(path), as: UTF8.self)
        } catch {
            return ""  // the process has exited: its figures read as zero
        }
    }

    /// CPU time of `pid` in seconds.
    package static func cpuSeconds(_ pid: pid_t) -> Double {
        Double(cpuTicks(pid)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Open file descriptors of `pid` (entries of /proc/PID/fd).
    package static func openDescriptors(_ pid: pid_t) -> Int {
        guard let folder = opendir("/proc/\(pid)/fd") else { return 0 }
        defer { closedir(folder) }
        var count = 0
        while readdir(folder) != nil { count += 1 }
        return max(0, count - 2)  // . and ..
    }

    /// Bytes of the file at `path` and its `-wal`, as the disk holds them (0 when absent).
    package static func databaseBytes(_ path: String) -> Int64 {
        [path, path + "-wal"].reduce(Int64(0)) { total, file in
            var info = stat()
            return total + (stat(file, &info) == 0 ? Int64(info.st_size) : 0)
        }
    }
}
