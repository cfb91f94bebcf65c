#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file reads and writes for the command-line tools, with errors that name the file.
package enum FileIO {
    /// Why a file could not be read or written: the path and the system's reason.
    package struct Failure: Error, CustomStringConvertible {
        /// `path: what failed: strerror`.
        package let description: String

        package init(description: String) { self.description = description }
    }

    /// Flushes a folder's entries (a rename into it, a file made in it) to the disk, so a power
    /// cut cannot undo them; best effort where the filesystem cannot.
    package static func syncDirectory(_ path: String) {
        let descriptor = retryingEINTR { open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Reads a whole file; with `limit`, refuses one longer than that many bytes without
    /// reading past it (a document given on a command line may be anything).
    package static func read(_ path: String, limit: Int = .max) throws(Failure) -> [UInt8] {
        let descriptor = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        return try readAll(descriptor, name: path, limit: limit)
    }

    /// Reads the file at `path` in pieces of at most `pieceSize` bytes, in order, handing each to
    /// `body`: a file of any size, in bounded memory.
    package static func readPieces(
        _ path: String, pieceSize: Int = 1 << 20, _ body: (ArraySlice<UInt8>) -> Void
    ) throws(Failure) {
        let descriptor = retryingEINTR { open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: max(1, pieceSize))
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                retryingEINTR { Glibc.read(descriptor, raw.baseAddress, raw.count) }
            }
            guard count >= 0 else { throw failure(path, "cannot read") }
            if count == 0 { return }
            body(buffer[..<count])
        }
    }

    /// Copies the file at `source` to `target` (made new, `mode`), in pieces, and flushes it to
    /// the disk before returning: a power cut after this leaves the whole copy.
    package static func copy(_ source: String, to target: String, mode: mode_t) throws(Failure) {
        unlink(target)
        let descriptor = retryingEINTR { open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
        guard descriptor >= 0 else { throw failure(target, "cannot create") }
        var writeFailure: Failure?
        do {
            try readPieces(source) { piece in
                guard writeFailure == nil, !writeAllReporting(piece, to: descriptor) else { return }
                writeFailure = failure(target, "cannot write")
            }
        } catch {
            close(descriptor)
            throw error
        }
        if let writeFailure {
            close(descriptor)
            throw writeFailure
        }
        guard fsync(descriptor) == 0, close(descriptor) == 0 else { throw failure(target, "cannot flush") }
    }

    /// Writes all of `bytes`; false when the descriptor refuses (errno says why).
    private static func writeAllReporting(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Bool {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return retryingEINTR { Glibc.write(descriptor, base + written, raw.count - written) }
            }
            guard count > 0 else { return false }
            written += count
        }
        return true
    }

    /// Reads standard input to its end (`-` on a command line).
    package static func readStandardInput() throws(Failure) -> [UInt8] {
        try readAll(STDIN_FILENO, name: "standard input")
    }

    private static func readAll(_ descriptor: Int32, name: String, limit: Int = .max) throws(Failure) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                retryingEINTR { Glibc.read(descriptor, raw.baseAddress, raw.count) }
            }
            if count < 0 { throw failure(name, "cannot read") }
            if count == 0 { return result }
            guard count <= limit - result.count else {
                throw Failure(description: "\(name): longer than \(limit) bytes; this is not the file expected here")
            }
            result.append(contentsOf: buffer[..<count])
        }
    }

    /// Writes a whole file atomically (temporary file, fsync, rename) with the given mode. The
    /// temporary file is made new (`O_EXCL | O_NOFOLLOW`): a link planted at its name by another
    /// user is never followed, so a key is never written through it.
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(Failure) {
        let temporary = path + ".tmp-\(getpid())"
        // A leftover of an earlier run with the same pid (or a planted link): unlink removes the
        // name itself, never what a link points to.
        unlink(temporary)
        let descriptor = retryingEINTR {
            open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        }
        guard descriptor >= 0 else { throw failure(temporary, "cannot create") }
        guard writeAllReporting(bytes[...], to: descriptor) else {
            let error = failure(temporary, "cannot write")
            close(descriptor)
            unlink(temporary)
            throw error
        }
        if fsync(descriptor) != 0 || close(descriptor) != 0 {
            let error = failure(temporary, "cannot flush")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot rename into place")
            unlink(temporary)
            throw error
        }
    }

    /// Appends `bytes` to `path` (created when missing), unflushed: for a download whose whole
    /// file is checked against its hash before use.
    package static func append(_ bytes: ArraySlice<UInt8>, to path: String) throws(Failure) {
        let descriptor = retryingEINTR { open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o640) }
        guard descriptor >= 0 else { throw failure(path, "cannot open") }
        defer { close(descriptor) }
        guard writeAllReporting(bytes, to: descriptor) else { throw failure(path, "cannot write") }
    }

    /// The names in the folder at `path` (without `.` and `..`).
    package static func names(in path: String) throws(Failure) -> [String] {
        guard let directory = opendir(path) else { throw failure(path, "cannot list") }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// The size of the file at `path`; nil when there is none.
    package static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Creates `path` (and its parents) when missing, mode 0750.
    package static func makeDirectory(_ path: String) throws(Failure) {
        // A relative path stays relative: "ca" is ./ca, never /ca.
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o750) != 0, errno != EEXIST { throw failure(current, "cannot create") }
        }
    }

    /// Writes bytes to standard output.
    package static func printOut(_ bytes: [UInt8]) { writeAll(bytes, to: STDOUT_FILENO) }

    /// Writes one line to standard error.
    /// Writes text to standard error as it is (a progress bar's carriage returns).
    package static func printErrorRaw(_ text: String) { writeAll(Array(text.utf8), to: STDERR_FILENO) }

    package static func printError(_ line: String) { writeAll(Array((line + "\n").utf8), to: STDERR_FILENO) }

    /// Writes all of `bytes` to an open descriptor (retrying short writes and EINTR); a failing
    /// descriptor ends the attempt quietly, as for standard output.
    package static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        _ = writeAllReporting(bytes[...], to: descriptor)
    }

    private static func failure(_ path: String, _ what: String) -> Failure {
        Failure(description: "\(path): \(what): \(String(cString: strerror(errno)))")
    }

    private static func retryingEINTR<T: BinaryInteger>(_ call: () -> T) -> T {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }
}
