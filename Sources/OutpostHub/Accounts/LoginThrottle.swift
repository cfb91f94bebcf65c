import Synchronization

/// Failed logins in a sliding window, counted three ways:
/// - per user and address: after `limit` failures within `window`, that address waits before it
///   tries that user again, while the user still logs in from anywhere else (a colleague's typos
///   or an attacker at one address lock nobody out);
/// - per address: `limit × addressFactor` failures across any names, so one address cannot try
///   many accounts (an office behind one address still has room for a few people's typos);
/// - per user, from every address together: `limit × userFactor` failures, a bound on guessing
///   one account from many addresses.
///
/// An attempt takes its place before its password is checked (`begin`) and gives it back on
/// success, so concurrent attempts cannot pass the limit while bcrypt runs.
package final class LoginThrottle: Sendable {
    /// Failures allowed per user and address, and per address, within the window.
    package let limit: Int
    /// How many times `limit` one user may fail from all addresses together.
    package static let userFactor = 20
    /// How many times `limit` one address may fail across every name.
    package static let addressFactor = 4
    /// The window, ns.
    package let window: Int64
    private let attempts = Mutex<[String: [Int64]]>([:])

    /// Creates a throttle: `limit` failures per `window`.
    package init(limit: Int = 5, window: Duration = .seconds(900)) {
        self.limit = limit
        self.window = Int64(window.components.seconds) * 1_000_000_000
    }

    /// Takes a place for an attempt at `user` from `client`: nil when it may go on (and is
    /// counted as a failure until `succeeded`), or the seconds to wait.
    package func begin(user: String, client: String, now: Int64) -> Int? {
        attempts.withLock { attempts in
            let cutoff = now.subtractingSaturating(window)
            for (key, _) in keys(user: user, client: client) {
                let recent = (attempts[key] ?? []).filter { $0 > cutoff }
                attempts[key] = recent.isEmpty ? nil : recent
            }
            if let seconds = secondsToWait(attempts, user: user, client: client, now: now) { return seconds }
            for (key, allowed) in keys(user: user, client: client) {
                attempts[key, default: []].append(now)
                attempts[key] = Array((attempts[key] ?? []).suffix(allowed))
            }
            // Bounded memory under a flood of made-up names: forget the quiet entries.
            if attempts.count > 10_000 { attempts = attempts.filter { ($0.value.last ?? 0) > cutoff } }
            return nil
        }
    }

    /// The seconds until the fullest of the three counts has room again, or nil when all have.
    private func secondsToWait(_ attempts: [String: [Int64]], user: String, client: String, now: Int64) -> Int? {
        var longest: Int64 = 0
        let cutoff = now.subtractingSaturating(window)
        for (key, allowed) in keys(user: user, client: client) {
            let recent = (attempts[key] ?? []).filter { $0 > cutoff }
            if recent.count >= allowed, let oldest = recent.first {
                longest = max(longest, oldest.addingSaturating(window).subtractingSaturating(now))
            }
        }
        return longest > 0 ? Int((longest + 999_999_999) / 1_000_000_000) : nil
    }

    /// The attempt could not be checked (the store did not answer): the place it took is given
    /// back everywhere, and the failures before it stay.
    package func release(user: String, client: String, now: Int64) {
        attempts.withLock { attempts in
            for (key, _) in keys(user: user, client: client) {
                guard var recent = attempts[key], let index = recent.lastIndex(of: now) else { continue }
                recent.remove(at: index)
                attempts[key] = recent.isEmpty ? nil : recent
            }
        }
    }

    /// The attempt was right: the user's failures are forgotten, and the address gives back the
    /// place this attempt took (its earlier failures stay).
    package func succeeded(user: String, client: String) {
        attempts.withLock { attempts in
            attempts["pair:\(user)\u{0}\(client)"] = nil
            attempts["user:" + user] = nil
            if var recent = attempts["client:" + client], !recent.isEmpty {
                recent.removeLast()
                attempts["client:" + client] = recent.isEmpty ? nil : recent
            }
        }
    }

    private func keys(user: String, client: String) -> [(String, Int)] {
        [
            ("pair:\(user)\u{0}\(client)", limit),
            ("client:" + client, limit.multipliedReportingOverflow(by: Self.addressFactor).partialValue),
            ("user:" + user, limit.multipliedReportingOverflow(by: Self.userFactor).partialValue),
        ]
    }
}
