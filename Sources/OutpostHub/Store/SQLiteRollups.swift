import GRDB
import OutpostWire

/// How the embedded store keeps rollup rows small: one row per series and minute is most of the
/// store after the chunks themselves, so every byte of it counts.
///
/// - `valid` is NULL when every sample of the bucket was valid (the usual case);
/// - min and max of a series with a decimal resolution are kept as whole numbers of its last
///   decimal place (`scale` = 10^places; 23145 for 231.45 with `scale` 100), which SQLite writes
///   in 2-4 bytes instead of 8, and only when that reads back bit for bit; otherwise `scale` is
///   NULL and they are kept as they are;
/// - a merge of rows with different scales (a resolution changed) falls back to plain values.
enum SQLiteRollups {
    static func merge(_ level: RollupLevel) -> String {
        let table = SQLiteSchema.table(level)
        let same = "coalesce(scale, 1) = coalesce(excluded.scale, 1)"
        let old = { (column: String) in "(\(column) * 1.0 / coalesce(scale, 1))" }
        let new = { (column: String) in "(excluded.\(column) * 1.0 / coalesce(excluded.scale, 1))" }
        return """
            INSERT INTO \(table) (series, bucket, count, valid, scale, min, max, sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (series, bucket) DO UPDATE SET
                count = count + excluded.count,
                valid = nullif(coalesce(valid, count) + coalesce(excluded.valid, excluded.count), count + excluded.count),
                scale = CASE WHEN \(same) THEN scale ELSE NULL END,
                min = CASE WHEN \(same) THEN coalesce(min(min, excluded.min), min, excluded.min)
                    ELSE coalesce(min(\(old("min")), \(new("min"))), \(old("min")), \(new("min"))) END,
                max = CASE WHEN \(same) THEN coalesce(max(max, excluded.max), max, excluded.max)
                    ELSE coalesce(max(\(old("max")), \(new("max"))), \(old("max")), \(new("max"))) END,
                sum = sum + excluded.sum
            """
    }

    /// The statement arguments for one bucket of `series`.
    static func arguments(series: Int64, bucket: Int64, _ aggregate: Aggregate, resolution: Resolution?)
        -> StatementArguments
    {
        let valid: Int64? = aggregate.validCount == aggregate.count ? nil : aggregate.validCount
        var scale: Int64?
        var minimum: Double? = aggregate.min.isNaN ? nil : aggregate.min
        var maximum: Double? = aggregate.max.isNaN ? nil : aggregate.max
        if let resolution, resolution.exponent < 0, let low = minimum, let high = maximum {
            var factor: Int64 = 1
            for _ in 0..<Int(-resolution.exponent) { factor *= 10 }
            if let scaledLow = scaled(low, factor), let scaledHigh = scaled(high, factor) {
                scale = factor
                minimum = scaledLow
                maximum = scaledHigh
            }
        }
        return [series, bucket, aggregate.count, valid, scale, minimum, maximum, aggregate.sum]
    }

    /// `value × factor` when it is a whole number that divides back to `value` exactly.
    private static func scaled(_ value: Double, _ factor: Int64) -> Double? {
        let whole = (value * Double(factor)).rounded()
        guard abs(whole) < 9e15, whole / Double(factor) == value else { return nil }
        return whole
    }

    /// The columns selected by `read`.
    static let columns = "bucket, count, valid, scale, min, max, sum"

    /// Reads a row selected with `columns`.
    /// Columns are read by their place in `columns`: a read by name lowercases the name for
    /// every cell, which cost a chart more than SQLite did.
    static func read(_ row: Row, level: RollupLevel) -> RollupBucket {
        let count: Int64 = row[1]
        let valid: Int64? = row[2]
        let scale = Double((row[3] as Int64?) ?? 1)
        let minimum: Double? = row[4]
        let maximum: Double? = row[5]
        return RollupBucket(
            start: (row[0] as Int64).multipliedSaturating(by: level.width),
            aggregate: Aggregate(
                count: count, validCount: valid ?? count, min: minimum.map { $0 / scale } ?? .nan,
                max: maximum.map { $0 / scale } ?? .nan, sum: row[6]))
    }
}
