import Synchronization

/// Failed logins, counted per user name and per client address in a sliding window: after
/// `limit` failures within `window`, further attempts wait until the oldest failure leaves it.
/// Guessing one account's password from many addresses, or many accounts' from one, is slowed
/// alike.
public final class LoginThrottle: Sendable {
    /// Failures allowed within the window.
    public let limit: Int
    /// The window, ns.
    public let window: Int64
    private let failures = Mutex<[String: [Int64]]>([:])

    /// Creates a throttle: `limit` failures per `window`.
    public init(limit: Int = 5, window: Duration = .seconds(900)) {
        self.limit = limit
        self.window = Int64(window.components.seconds) * 1_000_000_000
    }

    /// Seconds to wait before another attempt, or nil when one is allowed now.
    public func wait(user: String, client: String, now: Int64) -> Int? {
        failures.withLock { failures in
            var longest: Int64 = 0
            for key in Self.keys(user: user, client: client) {
                let recent = (failures[key] ?? []).filter { $0 > now - window }
                failures[key] = recent.isEmpty ? nil : recent
                if recent.count >= limit, let oldest = recent.first { longest = max(longest, oldest + window - now) }
            }
            return longest > 0 ? Int((longest + 999_999_999) / 1_000_000_000) : nil
        }
    }

    /// Records a failure.
    public func failed(user: String, client: String, now: Int64) {
        failures.withLock { failures in
            for key in Self.keys(user: user, client: client) {
                var recent = (failures[key] ?? []).filter { $0 > now - window }
                recent.append(now)
                failures[key] = Array(recent.suffix(limit))
            }
            // Bounded memory under a flood of made-up names: forget the quietest entries.
            if failures.count > 10_000 {
                let cutoff = now - window
                failures = failures.filter { ($0.value.last ?? 0) > cutoff }
            }
        }
    }

    /// Clears the user's failures after a success (the address keeps its own).
    public func succeeded(user: String, client: String) {
        _ = failures.withLock { $0.removeValue(forKey: "user:" + user) }
    }

    private static func keys(user: String, client: String) -> [String] { ["user:" + user, "client:" + client] }
}
