import Dispatch
import Foundation
import GRDB
import OutpostTestSupport
import Synchronization
import Testing

@testable import OutpostHub

@Suite("The store holds no thread while it waits")
struct AsyncStoreTests {
    @Test(
        "Writes waiting for SQLite's lock hold no thread: four times as many as there are cores wait, and other work still runs; they finish once the lock is free"
    )
    func waitingWritesHoldNoThread() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteHubStore(path: folder.file("hub.db"))
        // Another process's transaction, as a backup tool or `sqlite3` would hold: the hub's
        // writes wait for it (busy timeout 10 s).
        let backup = try DatabaseQueue(path: folder.file("hub.db"))
        let release = DispatchSemaphore(value: 0)
        let locked = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            // On GRDB's queue of that connection, which the test blocks until it releases it.
            try await backup.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                locked.continuation.yield()
                release.wait()
                try db.execute(sql: "COMMIT")
            }
        }
        for await _ in locked.stream { break }

        let writers = 4 * ProcessInfo.processInfo.activeProcessorCount
        let counts = Counts()
        var writes: [Task<Void, any Error>] = []
        for index in 0..<writers {
            writes.append(
                Task {
                    counts.entered.add(1, ordering: .relaxed)
                    try await store.recordRefusal(
                        gateway: "gw-\(index)", reason: "crc_mismatch", detail: "test", count: 1, at: 1)
                    counts.finished.add(1, ordering: .relaxed)
                })
        }
        // Every writer got a thread to start on, and other work runs, while all of them wait.
        let started = await eventually(timeout: .seconds(5)) { counts.entered.load(ordering: .relaxed) == writers }
        let answer = await Task { 6 * 7 }.value
        let (enteredCount, finishedEarly) = (
            counts.entered.load(ordering: .relaxed), counts.finished.load(ordering: .relaxed)
        )
        #expect(started, "\(enteredCount) of \(writers) writers started")
        #expect(answer == 42)
        #expect(finishedEarly == 0, "the lock was free")
        release.signal()
        try await holder.value
        for write in writes { try await write.value }
        let finishedCount = counts.finished.load(ordering: .relaxed)
        #expect(finishedCount == writers)
        #expect(try await store.refusals().count == writers)
    }

    @Test(
        "Many more reads at once than SQLite has reader connections all answer: none holds a thread while it waits for one"
    )
    func manyReadsAtOnce() async throws {
        let folder = try TemporaryFolder()
        let store = try SQLiteHubStore(path: folder.file("hub.db"))
        try await store.addUser("ana", role: .viewer, passwordHash: "-", at: 1)
        try await store.addSession(hash: "s", SessionRecord(user: "ana", role: .viewer, csrf: "c", expiresAt: .max))
        _ = try await store.addToken(name: "t", role: .viewer, hash: "t", createdBy: "ana", at: 1)
        // What every request's authentication reads: a user, a session, a token. A read that held
        // its thread while it waited for a connection deadlocks every thread here, the test's own
        // included: a thread outside them ends the process with the reason after a minute.
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            guard done.wait(timeout: .now() + 60) == .timedOut else { return }
            FileHandle.standardError.write(Data("manyReadsAtOnce: the reads deadlocked\n".utf8))
            exit(1)
        }
        defer { done.signal() }
        let readers = 64 * ProcessInfo.processInfo.activeProcessorCount
        let found = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<readers {
                group.addTask {
                    switch index % 3 {
                    case 0: try await store.user("ana") != nil
                    case 1: try await store.session(hash: "s", now: 2) != nil
                    default: try await store.useToken(hash: "t", at: 2) != nil
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(found == readers)
    }

    @Test("Jobs run one at a time in the order given; a producer waits while the limit of jobs wait")
    func serialJobs() async throws {
        let jobs = SerialJobs(limit: 2)
        let log = Log()
        let gate = AsyncStream.makeStream(of: Void.self)
        jobs.add {
            for await _ in gate.stream { break }
            log.lines.withLock { $0.append("first done") }
        }
        jobs.add { log.lines.withLock { $0.append("second") } }
        #expect(jobs.depth == 2)
        let added = Counts()
        let producer = Task {
            await jobs.addWhenRoom { log.lines.withLock { $0.append("third") } }
            added.entered.store(1, ordering: .relaxed)
            log.lines.withLock { $0.append("third added") }
        }
        for _ in 0..<100 { await Task.yield() }
        let addedEarly = added.entered.load(ordering: .relaxed)
        #expect(addedEarly == 0, "added while two jobs waited")
        gate.continuation.yield()
        await producer.value
        await jobs.settle()
        let order = log.lines.withLock { $0 }
        let firstDone = try #require(order.firstIndex(of: "first done"))
        let thirdAdded = try #require(order.firstIndex(of: "third added"))
        #expect(firstDone < thirdAdded, "\(order)")
        #expect(order.filter { $0 != "third added" } == ["first done", "second", "third"], "\(order)")
        #expect(jobs.depth == 0)
    }
}

/// Counts shared by the tasks of a test.
private final class Counts: Sendable {
    let entered = Atomic<Int>(0)
    let finished = Atomic<Int>(0)
}

/// What the jobs of a test did, in order.
private final class Log: Sendable {
    let lines = Mutex<[String]>([])
}
