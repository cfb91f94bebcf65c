import Logging
import OutpostConfig
import OutpostDetect
import OutpostWire
import Synchronization

/// Anomaly detection at ingest: every applied frame's readings, in true time, go through their
/// series' detectors as jobs of their own (ingest never waits for it), and the scores drive
/// each series' alert. A reading older than the newest one its series has scored (a batch overtaken
/// by a later one, a backlog arriving after fresh data) is late: within an hour of the newest it
/// is scored against a copy of the series' detector (the state its time implies, near enough),
/// which the copy then forgets; older ones against the series' long-run normal for their time of
/// day or week (`SeriesDetector.scoreLate`). An anomalous late reading adds to the open alert
/// when it falls after the alert opened, and never opens one, so a past that is over raises
/// nothing.
///
/// A series seen for the first time (since the hub started) is warmed up first: its detector
/// learns from the series' stored readings before the new ones (an import, or what came before
/// a restart), so it is not blind for its learning period. The past's scores raise nothing.
package final class DetectionEngine: Sendable {
    /// What detection has done.
    package struct Counters: Sendable, Hashable {
        /// Readings scored.
        package var scored = 0
        /// Readings older than their series' newest by more than the late horizon, scored
        /// against the series' long-run normal for their time.
        package var late = 0
        /// Late readings within the horizon, scored against a copy of the series' detector.
        package var lateScored = 0
        /// Late readings of either kind found anomalous (they add to an open alert; they never
        /// open one).
        package var lateAnomalous = 0
        /// Alerts opened, by kind.
        package var opened: [String: Int] = [:]
        /// Alerts resolved.
        package var resolved = 0
        /// Alert writes that failed.
        package var failures = 0
        /// Stored readings detectors learned from when their series was first seen.
        package var warmedUp = 0
    }

    struct SeriesState {
        var detector: SeriesDetector
        var tracker = AlertTracker()
        var newest = Int64.min
        /// The best score not yet written to the open alert, and when the alert was last written.
        var unwritten: (score: Double, at: Int64)?
        var lastWrite = Int64.min
        /// Whether the detector has learned the series' stored past (once, on first sight).
        var warmed = false
    }

    let configuration: DetectionConfiguration
    private let alerts: any AlertStore
    let history: (any SeriesHistory)?
    private let notifier: (any AlertListener)?
    private let resolveAfter: Duration
    let logger: Logger
    let states = Mutex<[SeriesKey: SeriesState]>([:])
    /// The gateway-level checks and the ids of the gateway alerts they opened.
    private let watch = Mutex((GatewayWatch(), [String: Int64]()))
    let counts = Mutex(Counters())
    /// Scoring and the gateway checks, in order, on a thread of their own. At most 2,000 frames
    /// wait to be scored (two jobs each: the readings, the arrival): beyond that, ingest waits for
    /// detection rather than memory growing without bound (frames are still acknowledged only
    /// once durable).
    private let jobs = SerialJobs(limit: 4_000, ownThread: "outpost.hub.detect")

    /// Creates the engine; alerts still open in `alerts` (from before a restart) are taken up
    /// again, and series first seen learn their past from `history` when given.
    package init(
        configuration: DetectionConfiguration, alerts: any AlertStore, history: (any SeriesHistory)? = nil,
        logger: Logger, notifier: (any AlertListener)? = nil, resolveAfter: Duration = .seconds(900)
    ) async throws {
        self.configuration = configuration
        self.alerts = alerts
        self.history = history
        self.notifier = notifier
        self.resolveAfter = resolveAfter
        self.logger = logger
        let open = try await alerts.alerts(in: [.firing, .acknowledged], limit: 1_000_000)
        watch.withLock { watch in
            watch.0.resolveAfter = resolveAfter.nanoseconds
            for alert in open where alert.series.name.isEmpty {
                watch.0.adopt(alert.series.gateway, kind: alert.kind, openedAt: alert.openedAt)
                watch.1["\(alert.series.gateway)/\(alert.kind.rawValue)"] = alert.id
            }
        }
        states.withLock { states in
            for alert in open where !alert.series.name.isEmpty {
                var state = Self.newState(alert.series, resolution: nil, configuration, resolveAfter)
                state.tracker.openID = alert.id
                state.tracker.openKind = AnomalyKind(rawValue: alert.kind.rawValue)
                state.tracker.openedAt = alert.openedAt
                states[alert.series] = state
            }
        }
    }

    /// The counts so far.
    package var counters: Counters { counts.withLock { $0 } }

    /// Scores the readings of an applied frame (in the background; waits only while 2,000 jobs
    /// are already waiting).
    package func observe(gateway: String, _ plan: IngestPlan) async {
        await jobs.addWhenRoom { await self.score(gateway: gateway, plan) }
    }

    /// Frames (and gateway checks) waiting to be scored.
    package var queueDepth: Int { jobs.depth }

    /// A frame of `gateway` was applied at `hubTime`: feeds the silence and clock checks.
    package func observeArrival(of frame: BatchFrame, at hubTime: Int64) {
        let gateway = frame.gatewayID
        let boot = frame.bootID.bytes
        let monotonic = frame.createdMonotonic
        let offset = frame.createdAt &- monotonic
        let synchronised = frame.clockState == .synchronised
        jobs.add {
            let actions = self.watch.withLock {
                $0.0.frame(
                    gateway, at: hubTime, boot: boot, createdMonotonic: monotonic, wallMinusMonotonic: offset,
                    synchronised: synchronised)
            }
            await self.perform(actions)
        }
    }

    /// A batch of `gateway` arrived at another hub replica at `hubTime` (its acknowledgement was
    /// heard): the gateway is not silent, though this replica did not see the frame.
    package func observeHeard(from gateway: String, at hubTime: Int64) {
        jobs.add { await self.perform(self.watch.withLock { $0.0.heard(gateway, at: hubTime) }) }
    }

    /// A status report said `gateway`'s backlog is `backlog` readings.
    package func observeBacklog(of gateway: String, _ backlog: Int64, at time: Int64) {
        jobs.add { await self.perform(self.watch.withLock { $0.0.backlog(gateway, backlog, at: time) }) }
    }

    /// Checks for silent gateways as of `now`.
    package func checkGateways(at now: Int64) {
        jobs.add { await self.perform(self.watch.withLock { $0.0.check(at: now) }) }
    }

    private func perform(_ actions: [GatewayWatch.Action]) async {
        for action in actions {
            do {
                switch action {
                case .open(let gateway, let kind, let time):
                    let series = SeriesKey(gateway: gateway, name: "")
                    let opening = try await alerts.openAlert(series: series, kind: kind, score: 1, at: time)
                    let id = opening.id
                    watch.withLock { $0.1["\(gateway)/\(kind.rawValue)"] = id }
                    guard opening.opened else { continue }  // another replica opened it and told
                    counts.withLock { $0.opened[kind.rawValue, default: 0] += 1 }
                    logger.warning("alert opened", metadata: ["gateway": "\(gateway)", "kind": "\(kind.rawValue)"])
                    notifier?.alertEvent(
                        "alert.opened",
                        Alert(
                            id: id, series: series, kind: kind, state: .firing, score: 1, openedAt: time,
                            lastAnomalyAt: time))
                case .resolve(let gateway, let kind, let time):
                    guard let id = watch.withLock({ $0.1.removeValue(forKey: "\(gateway)/\(kind.rawValue)") }) else {
                        continue
                    }
                    guard try await alerts.resolveAlert(id, at: time, reason: nil) else { continue }
                    counts.withLock { $0.resolved += 1 }
                    if let notifier, let resolved = try await alerts.alert(id) {
                        notifier.alertEvent("alert.resolved", resolved)
                    }
                }
            } catch {
                counts.withLock { $0.failures += 1 }
                logger.error("could not record a gateway alert", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Returns once everything observed so far has been scored (for tests and shutdown).
    package func settle() async {
        await jobs.settle()
    }

    private func score(gateway: String, _ plan: IngestPlan) async {
        let steps = Dictionary(
            plan.series.map { ($0.name, $0.resolution?.step) }, uniquingKeysWith: { first, _ in first })
        let pasts = await pastsOfNewSeries(gateway: gateway, plan, steps: steps)
        for row in plan.chunks {
            guard let columns = try? row.stored.columns() else { continue }
            let key = SeriesKey(gateway: gateway, name: row.series)
            let inOrder = zip(columns.timestamps, columns.timestamps.dropFirst()).allSatisfy { $0 <= $1 }
            let order =
                inOrder
                ? Array(columns.timestamps.indices)
                : columns.timestamps.indices.sorted { columns.timestamps[$0] < columns.timestamps[$1] }
            var state =
                states.withLock { $0[key] }
                ?? Self.newState(key, resolution: steps[row.series] ?? nil, configuration, resolveAfter)
            if !state.warmed { learn(&state, pasts[key] ?? []) }
            var scored = 0
            var late = 0
            var lateScored = 0
            var lateAnomalous = 0
            var scratch: SeriesDetector?  // the copy late readings are scored with
            for index in order where columns.quality(at: index) == .good {
                let time = columns.timestamps[index]
                guard time > state.newest else {
                    let score: AnomalyScore
                    if state.newest &- time <= Self.lateHorizon {
                        if scratch == nil { scratch = state.detector }
                        guard let scored = scratch?.score(columns.values[index], at: time) else { continue }
                        score = scored
                        lateScored += 1
                    } else {
                        score = state.detector.scoreLate(columns.values[index], at: time)
                        late += 1
                    }
                    if score.isAnomalous, !score.learning {
                        lateAnomalous += 1
                        if let id = state.tracker.openID, let opened = state.tracker.openedAt, time >= opened {
                            await act(
                                on: .touch(id: id, score: score.value, at: time, kind: nil), state: &state, series: key)
                        }
                    }
                    continue
                }
                state.newest = time
                scored += 1
                let score = state.detector.score(columns.values[index], at: time)
                let action = state.tracker.observe(score, at: time)
                if case .none = action { continue }  // most readings: no store to await
                await act(on: action, state: &state, series: key)
            }
            if state.unwritten != nil { await flush(&state) }
            states.withLock { $0[key] = state }
            counts.withLock {
                $0.scored += scored
                $0.late += late
                $0.lateScored += lateScored
                $0.lateAnomalous += lateAnomalous
            }
        }
    }

    /// How much older than a series' newest reading a late reading may be and still be scored.
    static let lateHorizon: Int64 = 3_600_000_000_000

    private static func newState(
        _ key: SeriesKey, resolution: Double?, _ configuration: DetectionConfiguration, _ resolveAfter: Duration
    ) -> SeriesState {
        var state = SeriesState(
            detector: SeriesDetector(settings: configuration.settings(for: "\(key)", resolution: resolution)))
        state.tracker.resolveAfter = resolveAfter.nanoseconds
        state.tracker.confirmation = configuration.confirmation(for: "\(key)")
        return state
    }

    private func act(on action: AlertTracker.Action, state: inout SeriesState, series: SeriesKey) async {
        do {
            switch action {
            case .none:
                return
            case .open(let kind, let score, let time):
                let opening = try await alerts.openAlert(series: series, kind: AlertKind(kind), score: score, at: time)
                let id = opening.id
                state.tracker.openID = id
                state.lastWrite = time
                guard opening.opened else { return }  // another replica opened it and told
                notifier?.alertEvent(
                    "alert.opened",
                    Alert(
                        id: id, series: series, kind: AlertKind(kind), state: .firing, score: score, openedAt: time,
                        lastAnomalyAt: time))
                counts.withLock { $0.opened[kind.rawValue, default: 0] += 1 }
                logger.warning(
                    "alert opened", metadata: ["series": "\(series)", "kind": "\(kind.rawValue)", "score": "\(score)"])
            case .touch(let id, let score, let time, let kind):
                if let kind { try await alerts.reclassifyAlert(id, as: AlertKind(kind)) }
                // At most one write a minute per alert; the rest waits in memory.
                let best = max(score, state.unwritten?.score ?? 0)
                state.unwritten = (best, time)
                if time - state.lastWrite >= 60_000_000_000 {
                    try await alerts.touchAlert(id, score: best, at: time)
                    state.unwritten = nil
                    state.lastWrite = time
                }
            case .resolve(let id, let time, let reason):
                await flush(&state, id: id)
                guard try await alerts.resolveAlert(id, at: time, reason: reason) else { return }
                if let notifier, let resolved = try await alerts.alert(id) {
                    notifier.alertEvent("alert.resolved", resolved)
                }
                counts.withLock { $0.resolved += 1 }
                logger.info(
                    "alert resolved", metadata: ["series": "\(series)", "reason": "\(reason ?? "normal again")"])
            }
        } catch {
            counts.withLock { $0.failures += 1 }
            logger.error("could not record an alert", metadata: ["series": "\(series)", "error": "\(error)"])
        }
    }

    /// Writes what waits in memory for the open alert (end of a chunk, or before resolving).
    private func flush(_ state: inout SeriesState, id: Int64? = nil) async {
        guard let pending = state.unwritten, let id = id ?? state.tracker.openID else { return }
        do {
            try await alerts.touchAlert(id, score: pending.score, at: pending.at)
            state.unwritten = nil
            state.lastWrite = pending.at
        } catch {
            counts.withLock { $0.failures += 1 }
        }
    }
}
