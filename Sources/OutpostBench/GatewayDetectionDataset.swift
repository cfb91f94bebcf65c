import OutpostDatasets

/// The labelled evaluation set for the hub's gateway checks, generated (never stored): a fleet of
/// gateways over 22 days as the hub sees them — frames arriving (with when each was sealed, in
/// which boot, by which clock) and status reports of the backlog — with the faults the checks
/// own and the everyday events they must stay quiet on.
///
/// Each gateway seals a frame every 30 s, 60 s or 300 s (a third each, jittered), produces 10,
/// 100 or 500 readings/s, reports its backlog every 30 s (as the agent does), and its wall clock drifts by up to a
/// third of a second a day. Its days are cut into twelve-hour slots; from the second day on each
/// slot may hold one episode:
///
/// - faults: **silence** (link down or power cut for 1.5-5 h), **backlog** (an uplink slower
///   than production for 1-3 h), **clock** (the wall clock stepped by 30 s to 3 h within a boot);
/// - everyday events: a link blip of two to four sealing intervals (at most four minutes for the
///   quick ones), a reboot of one to three minutes that starts with an unsynchronised clock for
///   5-15 minutes, a slow uplink for 8-20 minutes.
///
/// Twice (days 8 and 15) the broker is down for 20-60 minutes: every gateway is silent at once,
/// a **fleet silence**, after which each delivers its backlog in a burst.
package struct GatewayDetectionDataset: Sendable {
    /// The kinds of fault.
    package enum FaultKind: String, Sendable, CaseIterable, Codable {
        case silence
        case backlog
        case clock
        case fleetSilence = "fleet_silence"
    }

    /// A fault and its time window (hub time, ns).
    package struct Label: Sendable, Hashable {
        /// What it is.
        package var kind: FaultKind
        /// The gateway's index, or nil for the whole fleet.
        package var gateway: Int?
        /// When it was going on.
        package var window: Range<Int64>
    }

    /// A frame as it reached the hub.
    package struct Frame: Sendable {
        /// When it arrived.
        package var arrival: Int64
        /// Its `createdAt` (the gateway's wall clock).
        package var createdAt: Int64
        /// Its `createdMonotonic`.
        package var createdMonotonic: Int64
        /// The gateway's boot number.
        package var boot: Int
        /// Whether the gateway's clock was synchronised.
        package var synchronised: Bool
    }

    /// A status report as it reached the hub.
    package struct Status: Sendable {
        /// When it arrived.
        package var arrival: Int64
        /// The readings waiting in the gateway's outbox.
        package var backlog: Int64
    }

    /// One gateway's traffic, in arrival order.
    package struct Gateway: Sendable {
        /// Seconds between the frames it seals.
        package var interval: Int64
        /// Its frames.
        package var frames: [Frame]
        /// Its status reports.
        package var statuses: [Status]
    }

    /// The gateways.
    package let gateways: [Gateway]
    /// The faults, fleet-wide ones included.
    package let labels: [Label]
    /// Days generated.
    package let days: Int

    static let second: Int64 = 1_000_000_000
    static let minute = 60 * second
    static let hour = 60 * minute
    static let day = 24 * hour

    /// Generates `count` gateways over `days` days.
    package init(count: Int = 40, days: Int = 22, seed: UInt64 = 2026) {
        var random = SeededGenerator(seed: seed)
        let length = Int64(days) * Self.day
        var fleetOutages: [Range<Int64>] = []
        for outageDay in [8, 15] where outageDay < days {
            let start = Int64(outageDay) * Self.day + Int64.random(in: 0..<20, using: &random) * Self.hour
            fleetOutages.append(start..<(start + Int64.random(in: 20...60, using: &random) * Self.minute))
        }
        var labels = fleetOutages.map { Label(kind: .fleetSilence, gateway: nil, window: $0) }
        var gateways: [Gateway] = []
        for index in 0..<count {
            var plan = GatewayPlan(interval: [30, 60, 300][index % 3], length: length, random: &random)
            plan.placeEpisodes(avoiding: fleetOutages, random: &random)
            labels += plan.faults.map { Label(kind: $0.kind, gateway: index, window: $0.window) }
            gateways.append(plan.traffic(fleetOutages: fleetOutages, random: &random))
        }
        self.gateways = gateways
        self.labels = labels
        self.days = days
    }
}

/// One gateway's schedule and episodes, and the traffic they make.
struct GatewayPlan {
    typealias Dataset = GatewayDetectionDataset

    let interval: Int64
    let length: Int64
    let readingsPerSecond: Int64
    let drift: Double
    var linkDown: [Range<Int64>] = []
    var powerOff: [Range<Int64>] = []
    var slowLink: [Range<Int64>] = []
    var unsynchronisedAfterBoot: [Int64: Int64] = [:]
    var clockSteps: [(at: Int64, by: Int64)] = []
    var faults: [(kind: Dataset.FaultKind, window: Range<Int64>)] = []

    init(interval: Int64, length: Int64, random: inout SeededGenerator) {
        self.interval = interval
        self.length = length
        readingsPerSecond = [10, 100, 500].randomElement(using: &random) ?? 100
        drift = Double.random(in: -0.33...0.33, using: &random) / Double(Dataset.day)
    }

    mutating func placeEpisodes(avoiding fleetOutages: [Range<Int64>], random: inout SeededGenerator) {
        let slot = 12 * Dataset.hour
        for slotStart in stride(from: Dataset.day, to: length - slot, by: Int(slot)) {
            let slotRange = slotStart..<(slotStart + slot)
            guard !fleetOutages.contains(where: { $0.overlaps(slotRange) }) else { continue }
            let start = slotStart + Int64.random(in: 0..<(6 * Dataset.hour), using: &random)
            func minutes(_ range: ClosedRange<Int64>) -> Int64 {
                Int64.random(in: range, using: &random) * Dataset.minute
            }
            let draw = Double.random(in: 0..<1, using: &random)
            switch draw {
            case ..<0.08:
                let window = start..<(start + minutes(90...300))
                linkDown.append(window)
                faults.append((.silence, window))
            case ..<0.15:
                let window = start..<(start + minutes(90...300))
                powerOff.append(window)
                unsynchronisedAfterBoot[window.upperBound] = minutes(5...15)
                faults.append((.silence, window))
            case ..<0.25:
                let window = start..<(start + minutes(60...180))
                slowLink.append(window)
                faults.append((.backlog, window))
            case ..<0.33:
                let size = Int64.random(in: 30...10_800, using: &random) * Dataset.second
                clockSteps.append((start, Bool.random(using: &random) ? size : -size))
                faults.append((.clock, start..<(start + Dataset.second)))
            case ..<0.45:
                let gaps = Int64.random(in: 2...4, using: &random) * interval * Dataset.second
                linkDown.append(start..<(start + min(gaps, interval < 300 ? 4 * Dataset.minute : gaps)))
            case ..<0.53:
                let window = start..<(start + minutes(1...3))
                powerOff.append(window)
                unsynchronisedAfterBoot[window.upperBound] = minutes(5...15)
            case ..<0.63:
                slowLink.append(start..<(start + minutes(8...20)))
            default:
                break
            }
        }
    }

    /// The frames and status reports, in arrival order (a frame never overtakes the one before).
    func traffic(fleetOutages: [Range<Int64>], random: inout SeededGenerator) -> Dataset.Gateway {
        let second = Dataset.second
        let period = interval * second
        let down = (linkDown + fleetOutages + powerOff).sorted { $0.lowerBound < $1.lowerBound }
        func reachable(_ time: Int64) -> Int64 {
            var time = time
            while let window = down.first(where: { $0.contains(time) }) { time = window.upperBound + 2 * second }
            return time
        }
        func boot(at time: Int64) -> (number: Int, start: Int64) {
            let ended = powerOff.filter { $0.upperBound <= time }
            return (ended.count, ended.map(\.upperBound).max() ?? -Dataset.day)
        }
        var frames: [Dataset.Frame] = []
        var sealedAt: [Int64] = []
        var created = Int64.random(in: 0..<period, using: &random)
        var previousArrival = Int64.min
        while created < length {
            defer { created += period + Int64.random(in: -(period / 50)...(period / 50), using: &random) }
            guard !powerOff.contains(where: { $0.contains(created) }) else { continue }
            let (bootNumber, bootStart) = boot(at: created)
            let unsynchronisedUntil = bootStart + (unsynchronisedAfterBoot[bootStart] ?? 0)
            let synchronised = created >= unsynchronisedUntil
            let clockError =
                Int64(drift * Double(created)) + clockSteps.filter { $0.at <= created }.reduce(0) { $0 + $1.by }
            var arrival = created + Int64.random(in: 20...300, using: &random) * 1_000_000
            if previousArrival != .min {
                // The link is slow while it delivers inside a slow window.
                let slow = slowLink.contains { $0.contains(previousArrival) }
                arrival = max(arrival, previousArrival + (slow ? 2 * period : 20_000_000))
            }
            arrival = reachable(arrival)
            previousArrival = arrival
            sealedAt.append(created)
            frames.append(
                Dataset.Frame(
                    arrival: arrival,
                    createdAt: synchronised ? created + clockError : created - 3 * 365 * Dataset.day,
                    createdMonotonic: created - bootStart + 20 * second, boot: bootNumber, synchronised: synchronised))
        }
        var statuses: [Dataset.Status] = []
        var delivered = 0
        var report = Int64.random(in: 0..<(30 * second), using: &random)
        while report < length {
            defer { report += 30 * second }
            guard !down.contains(where: { $0.contains(report) }) else { continue }
            while delivered < frames.count, frames[delivered].arrival <= report { delivered += 1 }
            // Readings taken (power on) since the newest frame that reached the hub was sealed.
            let since = delivered > 0 ? sealedAt[delivered - 1] : 0
            let off = powerOff.reduce(Int64(0)) { total, window in
                total + max(0, min(window.upperBound, report) - max(window.lowerBound, since))
            }
            let waiting = max(0, report - since - off)
            statuses.append(
                Dataset.Status(arrival: report + 50_000_000, backlog: waiting / second * readingsPerSecond))
        }
        return Dataset.Gateway(interval: interval, frames: frames, statuses: statuses)
    }
}
