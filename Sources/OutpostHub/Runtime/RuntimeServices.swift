import Logging
import ServiceLifecycle

/// The store as a service: it runs from the hub's start (PostgreSQL's pool runs in the store),
/// and is the last to stop: once everything that writes has, it closes.
struct StoreService: Service {
    let store: any HubStore

    func run() async throws {
        try? await gracefulShutdown()
        await store.close()
    }
}

/// The ingest pipeline as a service: on shutdown, once the broker session and the HTTP server
/// stopped taking frames, it waits until every frame taken in is committed and answered.
struct IngestDrain: Service {
    let pipeline: IngestPipeline

    func run() async throws {
        try? await gracefulShutdown()
        await pipeline.settle()
    }
}

/// The MQTT session as a service: stops on graceful shutdown.
struct BrokerSession: Service {
    let ingest: MQTTIngest

    func run() async throws {
        await withGracefulShutdownHandler {
            await ingest.run()
        } onGracefulShutdown: {
            ingest.stop()
        }
    }
}

/// Anomaly detection as a service: it scores on its own queue while the hub runs; on shutdown,
/// once ingest has stopped, it finishes scoring what ingest handed it, so that no reading taken
/// in goes unscored and no alert it should raise is lost.
struct DetectionDrain: Service {
    let detection: DetectionEngine
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        await detection.settle()
        let counts = detection.counters
        logger.info(
            "detection drained",
            metadata: ["scored": "\(counts.scored)", "alerts_opened": "\(counts.opened.values.reduce(0, +))"])
    }
}

/// Webhook delivery as a service: on shutdown it stops taking events and ends.
struct Webhooks: Service {
    let notifier: WebhookNotifier

    func run() async throws {
        await withGracefulShutdownHandler {
            await notifier.run()
        } onGracefulShutdown: {
            notifier.finish()
        }
    }
}
