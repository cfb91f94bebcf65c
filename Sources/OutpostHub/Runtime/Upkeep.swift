import Logging
import OutpostWire
import ServiceLifecycle

/// Background upkeep: reloads enrolled keys (enrolment by the CLI takes effect within seconds),
/// and runs retention and compaction every maintenance interval.
struct Upkeep: Service {
    let runtime: HubRuntime
    let logger: Logger

    init(runtime: HubRuntime, logger: Logger) {
        self.runtime = runtime
        self.logger = logger
    }

    func run() async throws {
        var sinceMaintenance = Duration.zero
        let tick = Duration.seconds(5)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
            } catch {
                return
            }
            let now = systemWallClock()
            runtime.detection.checkGateways(at: now)
            runtime.states.tick(at: now)
            do {
                for gateway in try await runtime.registry.reload(from: runtime.store) {
                    runtime.states.changed(gateway, at: now)
                }
            } catch {
                logger.error("could not reload enrolled gateways", metadata: ["error": "\(error)"])
            }
            sinceMaintenance += tick
            guard sinceMaintenance >= runtime.configuration.maintenanceInterval else { continue }
            sinceMaintenance = .zero
            await maintain()
        }
    }

    private func maintain() async {
        let configuration = runtime.configuration
        let now = systemWallClock()
        do {
            var report = try await runtime.store.expire(policy: configuration.retention, now: now)
            try await runtime.store.pruneRefusals(
                before: now.subtractingSaturating(RefusalRecord.keepFor), keeping: RefusalRecord.maxRows)
            let compaction = try await runtime.store.compact(
                settledBefore: now &- configuration.compactAfter.nanoseconds, targetCount: configuration.compactTarget)
            report.chunksMerged = compaction.chunksMerged
            report.chunksWritten = compaction.chunksWritten
            logger.info(
                "upkeep done",
                metadata: [
                    "chunks_expired": "\(report.chunksExpired)", "buckets_expired": "\(report.bucketsExpired)",
                    "chunks_merged": "\(report.chunksMerged)", "chunks_written": "\(report.chunksWritten)",
                ])
        } catch {
            logger.error("upkeep failed", metadata: ["error": "\(error)"])
        }
    }
}
