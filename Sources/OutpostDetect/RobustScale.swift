/// An online, outlier-resistant estimate of where a stream is and how much it normally moves:
/// an exponentially weighted location updated with Huber-clipped residuals, and a scale from the
/// weighted mean absolute residual (×1.2533, which is σ for Gaussian noise). Outliers move
/// neither much, which is what makes them stand out. Bounded memory: two numbers and a count.
struct RobustScale: Sendable {
    /// Weight of a new sample once warmed up: 2 / (span + 1).
    let alpha: Double
    /// The smallest scale believed: the series' resolution, so a quantised, quiet series does not
    /// make every step look infinitely surprising.
    var floor: Double
    /// Where the stream is.
    private(set) var location = 0.0
    /// How far from `location` a sample normally is (σ-like).
    private(set) var spread = 0.0
    /// Samples taken in.
    private(set) var count = 0

    init(span: Double, floor: Double) {
        alpha = 2 / (span + 1)
        self.floor = floor
    }

    /// The scale to divide residuals by.
    var scale: Double { max(spread, floor) }

    /// How many scales `value` is from the location (0 before any sample).
    func deviation(_ value: Double) -> Double { count == 0 ? 0 : (value - location) / scale }

    /// Takes in `value`. While warming up (fewer samples than the span) every sample weighs
    /// 1/count, so the first estimates are plain averages rather than a slow climb from zero.
    /// `pace` below 1 slows learning (while the stream is suspected anomalous, so that an
    /// anomaly does not teach the model that it is normal).
    mutating func update(_ value: Double, pace: Double = 1) {
        count += 1
        if count == 1 {
            location = value
            return
        }
        let weight = max(alpha, 1 / Double(count)) * pace
        let residual = value - location
        // Until a spread is known (scale 0), residuals are taken as they are.
        let limit = scale > 0 ? 3 * scale : .infinity
        location += weight * min(max(residual, -limit), limit)
        let spreadSample = min(abs(residual), scale > 0 ? 4 * scale : .infinity) * 1.2533
        spread += weight * (spreadSample - spread)
    }

    /// Moves the location to `value` at once (after a confirmed change of level).
    mutating func rebase(to value: Double) { location = value }

    /// Starts learning again from `location` and `spread`, with warm-up weights: for when what
    /// the stream means changed (a daily cycle is subtracted from now on).
    mutating func relearn(location: Double, spread: Double) {
        self.location = location
        self.spread = spread
        count = min(count, 2)
    }
}
