/// Levels a series has been normal at before: when a shift that lasted is accepted as the new
/// normal, the old normal is remembered here, so that going back to it (an on/off machine, a
/// valve open or closed, a pump on its other speed) is a return, not a new shift. At most four,
/// the least recently seen forgotten first.
struct KnownLevels: Sendable {
    static let capacity = 4
    private var levels: [(location: Double, seen: Int64)] = []

    /// Remembers `location` (deseasonalised), seen at `time`; one within `tolerance` of it is
    /// the same level.
    mutating func remember(_ location: Double, at time: Int64, tolerance: Double) {
        if let index = levels.firstIndex(where: { abs($0.location - location) <= tolerance }) {
            levels[index] = (location, time)
            return
        }
        if levels.count >= Self.capacity, let oldest = levels.indices.min(by: { levels[$0].seen < levels[$1].seen }) {
            levels.remove(at: oldest)
        }
        levels.append((location, time))
    }

    /// The known level nearest `value`, if one lies within `tolerance`.
    func nearest(to value: Double, within tolerance: Double) -> Double? {
        var best: Double?
        for level in levels where abs(level.location - value) <= tolerance {
            if best.map({ abs(level.location - value) < abs($0 - value) }) ?? true { best = level.location }
        }
        return best
    }

    /// Marks the level nearest `value` as seen now.
    mutating func touch(_ value: Double, at time: Int64) {
        guard
            let index = levels.indices.min(by: { abs(levels[$0].location - value) < abs(levels[$1].location - value) })
        else { return }
        levels[index].seen = time
    }
}
