/// Where the fast model was over the last four hours of samples (a checkpoint every 15), to tell
/// what kind a shift is: a change of level when most of it happened within some half hour of
/// samples, a drift when it built up slowly. Bounded memory: 17 numbers.
struct ShiftShape: Sendable {
    static let every = 15
    static let kept = 17
    private var checkpoints = [Double](repeating: 0, count: kept)
    private var next = 0
    private var filled = 0

    /// Takes the fast model's location after sample number `sample`.
    mutating func record(_ location: Double, sample: Int) {
        guard sample == 1 || sample % Self.every == 0 else { return }
        checkpoints[next] = location
        next = (next + 1) % Self.kept
        filled = min(filled + 1, Self.kept)
    }

    /// The kind of a shift of the fast model, now at `location`, away from `normal`.
    func kind(location: Double, normal: Double) -> AnomalyKind {
        guard filled > 0 else { return .level }
        // Oldest to newest, then now.
        var path = (0..<filled).map { checkpoints[(next - filled + $0 + Self.kept) % Self.kept] }
        path.append(location)
        var sudden = abs(location - path[max(0, path.count - 3)])
        if path.count > 2 {
            for index in 2..<path.count { sudden = max(sudden, abs(path[index] - path[index - 2])) }
        }
        return sudden >= 0.5 * abs(location - normal) ? .level : .drift
    }
}
