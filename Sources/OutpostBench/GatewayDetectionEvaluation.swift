import OutpostHub

/// How well the hub's gateway checks find the gateway dataset's faults.
///
/// The dataset's traffic is replayed through `GatewayWatch`, the state machine ingest feeds, in
/// arrival order, with a check every 5 s as the hub runs it. An alert opened for a gateway is
/// true when it falls in one of that gateway's faults or the 15 minutes after; a fleet alert is
/// true when it falls in a fleet outage. A per-gateway alert during a fleet outage is false: it
/// is the storm the fleet incident exists to prevent. A fault is detected when an alert of its
/// kind opens within it or the 15 minutes after.
package enum GatewayDetectionEvaluation {
    /// Everything measured.
    package struct Figures: Codable, Sendable {
        /// Gateways evaluated.
        package var gateways: Int
        /// Days replayed.
        package var days: Int
        /// Per fault kind.
        package var kinds: [DetectionEvaluation.KindFigures]
        /// True alerts / all alerts.
        package var precision: Double
        /// Detected faults / faults.
        package var recall: Double
        /// False alerts per gateway per day (after the first day).
        package var falseAlertsPerGatewayPerDay: Double
        /// Per-gateway alerts opened during fleet outages.
        package var alertsDuringFleetOutages: Int
    }

    static let grace: Int64 = 15 * 60_000_000_000

    /// Replays `dataset` and scores the alerts.
    package static func run(_ dataset: GatewayDetectionDataset) -> Figures {
        let opened = replay(dataset)
        let fleetWindows = dataset.labels.filter { $0.kind == .fleetSilence }.map(\.window)
        var trueAlerts = 0
        var falseAlerts = 0
        var duringFleet = 0
        for alert in opened {
            let inFleet = fleetWindows.contains { $0.lowerBound <= alert.at && alert.at < $0.upperBound + grace }
            if alert.gateway == nil {
                if inFleet { trueAlerts += 1 } else { falseAlerts += 1 }
                continue
            }
            let inFault = dataset.labels.contains { label in
                label.gateway == alert.gateway && label.window.lowerBound <= alert.at
                    && alert.at < label.window.upperBound + grace
            }
            if inFault && !inFleet {
                trueAlerts += 1
            } else {
                falseAlerts += 1
                if inFleet { duringFleet += 1 }
            }
        }
        var kinds: [DetectionEvaluation.KindFigures] = []
        for kind in GatewayDetectionDataset.FaultKind.allCases {
            let faults = dataset.labels.filter { $0.kind == kind }
            guard !faults.isEmpty else { continue }
            var delays: [Double] = []
            for fault in faults {
                let first = opened.filter { alert in
                    alert.gateway == fault.gateway && alert.kind == kind.alertKind
                        && fault.window.lowerBound <= alert.at && alert.at < fault.window.upperBound + grace
                }.map(\.at).min()
                if let first { delays.append(Double(first - fault.window.lowerBound) / 60e9) }
            }
            delays.sort()
            kinds.append(
                DetectionEvaluation.KindFigures(
                    kind: kind.rawValue, faults: faults.count, detected: delays.count,
                    recall: Double(delays.count) / Double(faults.count),
                    medianMinutesToDetect: delays.isEmpty ? .nan : delays[delays.count / 2]))
        }
        let faults = kinds.reduce(0) { $0 + $1.faults }
        let detected = kinds.reduce(0) { $0 + $1.detected }
        let gatewayDays = Double(dataset.gateways.count * max(1, dataset.days - 1))
        return Figures(
            gateways: dataset.gateways.count, days: dataset.days, kinds: kinds,
            precision: Double(trueAlerts) / Double(max(1, trueAlerts + falseAlerts)),
            recall: Double(detected) / Double(max(1, faults)),
            falseAlertsPerGatewayPerDay: Double(falseAlerts) / gatewayDays, alertsDuringFleetOutages: duringFleet)
    }

    /// An alert the watch opened: for a gateway (its index) or the fleet (nil).
    struct Opened {
        var gateway: Int?
        var kind: AlertKind
        var at: Int64
    }

    /// Feeds the traffic in arrival order, checking every 5 s; returns the alerts opened.
    static func replay(_ dataset: GatewayDetectionDataset) -> [Opened] {
        var watch = GatewayWatch()
        var opened: [Opened] = []
        let names = dataset.gateways.indices.map { "gw-\($0)" }
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        func record(_ actions: [GatewayWatch.Action]) {
            for case .open(let gateway, let kind, let at) in actions {
                opened.append(Opened(gateway: gateway.isEmpty ? nil : index[gateway], kind: kind, at: at))
            }
        }
        var nextFrame = [Int](repeating: 0, count: dataset.gateways.count)
        var nextStatus = [Int](repeating: 0, count: dataset.gateways.count)
        let tick: Int64 = 5_000_000_000
        let end = Int64(dataset.days) * 86_400_000_000_000
        for now in stride(from: tick, through: end, by: Int(tick)) {
            for (number, gateway) in dataset.gateways.enumerated() {
                while true {
                    let frame = nextFrame[number] < gateway.frames.count ? gateway.frames[nextFrame[number]] : nil
                    let status =
                        nextStatus[number] < gateway.statuses.count ? gateway.statuses[nextStatus[number]] : nil
                    if let frame, frame.arrival <= now, frame.arrival <= status?.arrival ?? .max {
                        record(
                            watch.frame(
                                names[number], at: frame.arrival, boot: bootID(frame.boot),
                                createdMonotonic: frame.createdMonotonic,
                                wallMinusMonotonic: frame.createdAt - frame.createdMonotonic,
                                synchronised: frame.synchronised))
                        nextFrame[number] += 1
                    } else if let status, status.arrival <= now {
                        record(watch.backlog(names[number], status.backlog, at: status.arrival))
                        nextStatus[number] += 1
                    } else {
                        break
                    }
                }
            }
            record(watch.check(at: now))
        }
        return opened
    }

    private static func bootID(_ number: Int) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: number >> ($0 * 8)) }
    }
}

extension GatewayDetectionDataset.FaultKind {
    /// The alert that reports it.
    var alertKind: AlertKind {
        switch self {
        case .silence: .silence
        case .backlog: .backlog
        case .clock: .clock
        case .fleetSilence: .fleetSilence
        }
    }
}
