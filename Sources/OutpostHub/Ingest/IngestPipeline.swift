import Logging
import OutpostWire
import Synchronization

/// Ingest, shared by the MQTT and HTTP paths: checks a frame (`FrameIntake`), then applies it
/// with whatever else arrived meanwhile in one store transaction (group commit), and answers with
/// the acknowledgement only once that transaction is durable.
package final class IngestPipeline: Sendable {
    /// How one frame ended.
    package enum Outcome: Sendable {
        /// Durable (now, or before: `duplicate`): acknowledge it.
        case acknowledged(Acknowledgement, gateway: String, duplicate: Bool)
        /// Refused before the store: not acknowledged.
        case refused(FrameIntake.Refusal)
        /// The store could not take it now: not acknowledged, so the gateway sends it again.
        case failed(String)
    }

    private struct Waiting {
        var frame: ReceivedFrame
        var continuation: CheckedContinuation<Outcome, Never>
    }

    /// Refusals of one gateway and reason since the last write.
    private struct RefusalTally {
        var gateway: String
        var reason: String
        var detail: String
        var count: Int
        var at: Int64
    }

    private struct Queue {
        var waiting: [Waiting] = []
        var draining = false
        var refusals: [String: RefusalTally] = [:]
        /// Waiting for the drain to end (`settle()`).
        var settled: [CheckedContinuation<Void, Never>] = []
        /// When each gateway and reason was last logged: a flood is one line a minute.
        var logged: [String: Int64] = [:]
    }

    /// The store frames are applied to.
    package let store: any HubStore
    /// The counts.
    package let counters = IngestCounters()
    private let intake: FrameIntake
    private let verifier: any FrameVerifier
    private let clock: WallClock
    private let logger: Logger
    private let maxGroup: Int
    /// Where the drain runs: a thread of its own, as ingest's writer, so that answering a
    /// committed group never waits for a cooperative thread.
    private let writer = QueueExecutor(label: "outpost.hub.ingest")
    private let queue = Mutex(Queue())
    /// The anomaly detectors, fed every applied frame after its commit (never in its way).
    let detection: DetectionEngine?
    /// The WebSocket clients, told every committed frame's samples they subscribed to.
    let feed: LiveFeed?
    /// Told of every committed frame: its gateway may have come back online.
    let states: GatewayStateWatch?

    /// Creates the pipeline. `maxGroup` caps the frames of one transaction.
    package init(
        store: any HubStore, verifier: any FrameVerifier, limits: FrameLimits = .default,
        clock: @escaping WallClock = systemWallClock, logger: Logger, maxGroup: Int = 512,
        detection: DetectionEngine? = nil, feed: LiveFeed? = nil, states: GatewayStateWatch? = nil
    ) {
        self.detection = detection
        self.feed = feed
        self.states = states
        self.store = store
        intake = FrameIntake(verifier: verifier, limits: limits)
        self.verifier = verifier
        self.clock = clock
        self.logger = logger
        self.maxGroup = maxGroup
    }

    /// Whether `gateway` is enrolled and not revoked: its status and live documents are taken.
    package func knows(gateway: String) -> Bool { verifier.knows(gateway: gateway) }

    /// Frames waiting for their group commit.
    package var queueDepth: Int { queue.withLock { $0.waiting.count } }

    /// Checks and applies a frame; `json` says the bytes are its JSON rendering. `topicGateway`
    /// is the gateway the MQTT topic named, which must be the frame's.
    package func ingest(_ bytes: [UInt8], json: Bool = false, topicGateway: String? = nil) async -> Outcome {
        let frame: BatchFrame
        do {
            frame = json ? try intake.accept(json: bytes) : try intake.accept(binary: bytes)
        } catch {
            refused(error)
            return .refused(error)
        }
        if let topicGateway, topicGateway != frame.gatewayID {
            let refusal = FrameIntake.Refusal(
                reason: .topicMismatch, claimedGateway: frame.gatewayID,
                detail: "frame of gateway '\(frame.gatewayID)' published on the topic of '\(topicGateway)'")
            refused(refusal)
            return .refused(refusal)
        }
        let received = ReceivedFrame(frame: frame, hubTime: clock())
        return await withCheckedContinuation { continuation in
            let start = queue.withLock { queue -> Bool in
                queue.waiting.append(Waiting(frame: received, continuation: continuation))
                guard !queue.draining else { return false }
                queue.draining = true
                return true
            }
            if start { startDrain() }
        }
    }

    /// Counts something a gateway sent that is not usable (a status or live document that does
    /// not parse), as frame refusals are counted: in the metrics and in `/api/v1/refusals`.
    package func refuse(gateway: String, reason: RefusalCode, detail: String) {
        refused(FrameIntake.Refusal(reason: reason, claimedGateway: gateway, detail: detail))
    }

    private func refused(_ refusal: FrameIntake.Refusal) {
        counters.update { $0.refused[refusal.reason.rawValue, default: 0] += 1 }
        // A sender the hub does not know is counted with all the others it does not know: made-up
        // ids fill one row, not one row each. The detail keeps the last id claimed.
        let claimed = refusal.claimedGateway ?? "?"
        let known = refusal.claimedGateway.map { verifier.knows(gateway: $0) } ?? false
        let gateway = known ? claimed : RefusalRecord.unknownSenders
        let detail = known ? refusal.detail : "claimed '\(claimed.prefix(128))': \(refusal.detail)"
        let now = clock()
        let key = "\(gateway)\u{0}\(refusal.reason.rawValue)"
        let (start, log) = queue.withLock { queue -> (Bool, Bool) in
            var entry =
                queue.refusals[key]
                ?? RefusalTally(gateway: gateway, reason: refusal.reason.rawValue, detail: detail, count: 0, at: now)
            entry.count += 1
            entry.detail = detail
            entry.at = now
            queue.refusals[key] = entry
            let log = now.subtractingSaturating(queue.logged[key] ?? .min) >= 60_000_000_000
            if log {
                if queue.logged.count >= 10_000 { queue.logged = [:] }
                queue.logged[key] = now
            }
            guard !queue.draining else { return (false, log) }
            queue.draining = true
            return (true, log)
        }
        if log {
            logger.warning(
                "gateway input refused (further refusals of this gateway and reason within a minute are counted, not logged)",
                metadata: [
                    "reason": "\(refusal.reason)", "gateway": "\(claimed.prefix(128))", "detail": "\(refusal.detail)",
                ])
        }
        // Recorded by the writer, with the next group: a flood of bad frames costs one small
        // transaction per batch of refusals, never one per frame.
        if start { startDrain() }
    }

    /// Returns once nothing waits for its commit and no commit runs: every frame taken in so far
    /// is answered (shutdown: `IngestDrain`).
    package func settle() async {
        await withCheckedContinuation { continuation in
            let done = queue.withLock { queue -> Bool in
                guard queue.draining else { return true }
                queue.settled.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Starts the drain on the writer's thread (the caller set `Queue.draining`).
    private func startDrain() { Task(executorPreference: writer) { await self.drain() } }

    /// Applies everything waiting, a group per transaction, until nothing waits. One drain runs
    /// at a time (`Queue.draining`); it is the only writer of frames.
    private func drain() async {
        while true {
            let (group, refusals) = queue.withLock { queue in
                let group = Array(queue.waiting.prefix(maxGroup))
                queue.waiting.removeFirst(group.count)
                let refusals = queue.refusals
                queue.refusals = [:]
                return (group, refusals)
            }
            await persist(Array(refusals.values))
            guard group.isEmpty else {
                await commit(group)
                continue
            }
            // Refusals that came while they were written are written before the drain ends.
            let settled = queue.withLock { queue -> [CheckedContinuation<Void, Never>]? in
                guard queue.waiting.isEmpty, queue.refusals.isEmpty else { return nil }
                queue.draining = false
                defer { queue.settled = [] }
                return queue.settled
            }
            guard let settled else { continue }
            for waiter in settled { waiter.resume() }
            return
        }
    }

    private func commit(_ group: [Waiting]) async {
        let results: [ApplyResult]
        do {
            results = try await store.apply(group.map(\.frame))
        } catch {
            counters.update { $0.storeFailures += 1 }
            logger.error("store transaction failed; frames not acknowledged", metadata: ["error": "\(error)"])
            for waiting in group { waiting.continuation.resume(returning: .failed("\(error)")) }
            return
        }
        let now = clock()
        counters.update { $0.commits += 1 }
        for (waiting, result) in zip(group, results) {
            let frame = waiting.frame.frame
            let ack = Acknowledgement(sequences: [frame.sequence], hubTime: now)
            switch result {
            case .applied(let plan):
                counters.update {
                    $0.framesApplied += 1
                    $0.readings += plan.readingCount
                }
                feed?.committed(gateway: frame.gatewayID, plan)
                states?.frameStored(from: frame.gatewayID, at: waiting.frame.hubTime)
                await detection?.observe(gateway: frame.gatewayID, plan)
                detection?.observeArrival(of: frame, at: waiting.frame.hubTime)
                waiting.continuation.resume(returning: .acknowledged(ack, gateway: frame.gatewayID, duplicate: false))
            case .duplicate:
                counters.update { $0.duplicates += 1 }
                waiting.continuation.resume(returning: .acknowledged(ack, gateway: frame.gatewayID, duplicate: true))
            case .rejected(let code, let reason):
                let refusal = FrameIntake.Refusal(reason: code, claimedGateway: frame.gatewayID, detail: reason)
                refused(refusal)
                waiting.continuation.resume(returning: .refused(refusal))
            }
        }
    }

    private func persist(_ refusals: [RefusalTally]) async {
        for refusal in refusals {
            do {
                try await store.recordRefusal(
                    gateway: refusal.gateway, reason: refusal.reason, detail: refusal.detail, count: refusal.count,
                    at: refusal.at)
            } catch {
                logger.error("could not record a refusal", metadata: ["error": "\(error)"])
            }
        }
    }
}
