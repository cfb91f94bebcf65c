import Dispatch
import OutpostSystem

extension MQTTClient {
    /// Connects, trying again with `backoff` until the broker answers, the task is cancelled or
    /// the client is shut down; true once connected. Each blocking attempt runs on `queue`, never
    /// on the concurrency pool. `failed` hears every failed attempt and the wait before the next.
    /// The agent's uplink and the hub's ingest both connect through this.
    package func connectRetrying(
        host: String, port: Int, keepalive: Int, backoff: Backoff, on queue: DispatchQueue,
        failed: (MQTTError, Duration) -> Void
    ) async -> Bool {
        var backoff = backoff
        while !Task.isCancelled, !isShutDown {
            let result: Result<Void, MQTTError> = await withCheckedContinuation { continuation in
                queue.async {
                    do throws(MQTTError) {
                        try self.connect(host: host, port: port, keepalive: keepalive)
                        continuation.resume(returning: .success(()))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
            switch result {
            case .success:
                return true
            case .failure(let error):
                if isShutDown { return false }
                backoff.recordFailure(at: .now, random: Double.random(in: 0..<1))
                let wait = backoff.delay(afterFailures: backoff.failures, random: Double.random(in: 0..<1))
                failed(error, wait)
                do { try await Task.sleep(for: wait) } catch { return false }
            }
        }
        return false
    }
}
