/// Whether one gateway's backlog keeps growing, from its status reports (see `GatewayWatch`).
///
/// Reports are grouped into spans of two usual frame gaps, two usual report gaps and at least
/// two minutes. A span whose lowest report is above the previous span's low and above the usual
/// top of the sawtooth continues a growth (counted from that span's start); any other span ends
/// it. A growth that lasts 30 minutes opens the alert if the backlog is still above the usual top;
/// the alert resolves when the backlog is back to half its peak.
struct BacklogTrend: Sendable {
    enum Change { case none, opens, resolves }

    static let openAfter: Int64 = 30 * 60_000_000_000
    static let minimumSpan: Int64 = 120_000_000_000

    private var lastReport: Int64?
    private var usualReportGap = 0.0
    private var reportGaps = 0
    private var spanStart: Int64?
    private var spanLow: Int64 = 0
    private var spanHigh: Int64 = 0
    private var previousLow: Int64?
    /// The usual top of the sawtooth: the mean high of spans that were not growing.
    private var usualHigh = 0.0
    private var highs = 0
    private var growingSince: Int64?
    private var peak: Int64 = 0

    /// Takes a report of `backlog` readings at `time`; `frameGap` is the gateway's usual gap
    /// between frames (ns), `open` whether its backlog alert is open.
    mutating func report(_ backlog: Int64, at time: Int64, frameGap: Double, open: Bool) -> Change {
        let span = Int64(max(2 * frameGap, 2 * usualReportGap, Double(Self.minimumSpan)))
        if let last = lastReport, time > last {
            let gap = Double(time - last)
            if reportGaps < 5 || gap < 3 * usualReportGap {
                reportGaps += 1
                usualReportGap += (gap - usualReportGap) / Double(min(reportGaps, 50))
            }
            if time - last > span {
                // No reports for a while (an outage): what came before is no evidence of now.
                spanStart = nil
                previousLow = nil
                growingSince = nil
            }
        }
        lastReport = time
        guard let start = spanStart else {
            spanStart = time
            spanLow = backlog
            spanHigh = backlog
            return settle(backlog, at: time, open: open)
        }
        guard time - start >= span else {
            spanLow = min(spanLow, backlog)
            spanHigh = max(spanHigh, backlog)
            return settle(backlog, at: time, open: open)
        }
        if let previous = previousLow, spanLow > previous, Double(spanLow) > usualHigh {
            if growingSince == nil { growingSince = start }
        } else {
            growingSince = nil
            if !open {
                highs += 1
                usualHigh += (Double(spanHigh) - usualHigh) / Double(min(highs, 20))
            }
        }
        previousLow = spanLow
        spanStart = time
        spanLow = backlog
        spanHigh = backlog
        return settle(backlog, at: time, open: open)
    }

    private mutating func settle(_ backlog: Int64, at time: Int64, open: Bool) -> Change {
        if open {
            peak = max(peak, backlog)
            guard backlog <= peak / 2 else { return .none }
            // Draining: a new growth must be shown from here.
            growingSince = nil
            previousLow = nil
            spanStart = nil
            return .resolves
        }
        if let since = growingSince, time - since >= Self.openAfter, Double(backlog) > usualHigh {
            peak = backlog
            return .opens
        }
        return .none
    }
}
