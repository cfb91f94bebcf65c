import NIOPosix

/// Work that holds its thread (bcrypt's tens of milliseconds by design, a file read) runs on
/// NIO's pool for blocking work, never on the few threads every request and ingest share.
package enum BlockingWork {
    /// Runs `work` there and returns what it returned.
    package static func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
