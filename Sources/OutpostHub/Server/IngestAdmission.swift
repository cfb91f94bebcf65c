import Synchronization

/// Who may send a frame over HTTP now, before its body is read: `POST /api/v1/ingest` needs no
/// login (frames are signed), so anyone who reaches the hub can call it. Each client address has
/// a token bucket (`rate` frames a second, bursts of `burst`), and at most `concurrency` bodies
/// are read and checked at once, so a flood costs the hub a bounded share of its time and memory.
package final class IngestAdmission: Sendable {
    /// What to answer a caller.
    package enum Verdict: Sendable, Equatable {
        /// Go on; call `finished()` afterwards.
        case admitted
        /// This address sent too much: try again after this many seconds (429).
        case tooFast(retryAfter: Int)
        /// Too many frames are being checked now: try again shortly (503).
        case busy
    }

    private struct Bucket {
        var tokens: Double
        var at: Int64
    }

    private struct State {
        var buckets: [String: Bucket] = [:]
        var running = 0
    }

    /// Frames a second per client address.
    package let rate: Double
    /// The most frames an address may send at once after a quiet spell.
    package let burst: Double
    /// The most frames read and checked at once.
    package let concurrency: Int
    /// The most addresses remembered; the fullest buckets are forgotten first.
    static let maxAddresses = 10_000
    private let state = Mutex(State())

    /// Creates the admission: `rate` frames a second per address (bursts of `burst`), at most
    /// `concurrency` at once.
    package init(rate: Double = 50, burst: Double = 200, concurrency: Int = 8) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        self.concurrency = max(concurrency, 1)
    }

    /// Whether a frame from `client` may be read now (`now` in ns).
    package func admit(client: String, now: Int64) -> Verdict {
        state.withLock { state in
            var bucket = state.buckets[client] ?? Bucket(tokens: burst, at: now)
            let elapsed = Double(max(0, now.subtractingSaturating(bucket.at))) / 1e9
            bucket.tokens = min(burst, bucket.tokens + elapsed * rate)
            bucket.at = now
            guard bucket.tokens >= 1 else {
                state.buckets[client] = bucket
                return .tooFast(retryAfter: max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))))
            }
            guard state.running < concurrency else {
                state.buckets[client] = bucket
                return .busy
            }
            bucket.tokens -= 1
            state.buckets[client] = bucket
            state.running += 1
            if state.buckets.count > Self.maxAddresses {
                state.buckets = state.buckets.filter { $0.value.tokens < burst - 1 }
                // Still too many (a flood from as many addresses): start again, never grow.
                if state.buckets.count > Self.maxAddresses { state.buckets = [client: bucket] }
            }
            return .admitted
        }
    }

    /// An admitted frame is done with.
    package func finished() { state.withLock { $0.running = max(0, $0.running - 1) } }
}
