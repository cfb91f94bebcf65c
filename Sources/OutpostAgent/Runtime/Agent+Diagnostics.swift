import Logging
import OutpostSigning
import OutpostSystem
import OutpostWire

extension Agent {
    /// Takes the hub's diagnostic requests (checked with the fleet key, for this gateway): each
    /// one not answered yet and not expired runs, and its answer goes back signed with the
    /// gateway's key. What can run is fixed (`DiagnosticRequests.kinds`): no shell, no file.
    func diagnose(_ payload: [UInt8]) {
        guard !payload.isEmpty, let verifier = remote.verifier else { return }
        let topic = GatewayTopics(gateway: base.gateway.id).diagnose
        let document: DiagnosticRequests
        do throws(DocumentError) {
            document = try verifier.open(payload, topic: topic, as: DiagnosticRequests.self)
        } catch {
            logger.warning("diagnostic requests refused", metadata: ["reason": "\(error.description)"])
            return
        }
        guard document.gateway == base.gateway.id else {
            logger.warning("diagnostic requests for another gateway refused", metadata: ["for": "\(document.gateway)"])
            return
        }
        let hubNow = uplink.hubNow
        for request in document.requests where request.expiresAt > hubNow {
            guard diagnosed.withLock({ $0.insert(request.id).inserted }) else { continue }
            Task {
                let (ok, text) = await self.run(request)
                let answer = DiagnosticAnswer(
                    gateway: self.base.gateway.id, request: request.id, kind: request.kind, time: systemWallClock(),
                    ok: ok, text: text)
                let sent =
                    (try? self.answerSigner.sign(answer, topic: GatewayTopics(gateway: answer.gateway).diagnosis))
                    .map { self.uplink.publishDiagnosis($0) } ?? false
                // Not sent (the link dropped): answered again when the requests come back.
                if !sent { self.diagnosed.withLock { _ = $0.remove(request.id) } }
                self.logger.notice(
                    "diagnostic answered",
                    metadata: ["request": "\(request.id)", "kind": "\(request.kind)", "sent": "\(sent)"])
            }
        }
    }

    /// Runs one request: whether it could be done, and what it found.
    func run(_ request: DiagnosticRequests.Request) async -> (Bool, String) {
        switch request.kind {
        case "probe": return await probe(request.device ?? "")
        case "errors": return (true, errorsText())
        case "outbox": return (true, await outboxText())
        case "config": return (true, configurationText())
        default: return (false, "'\(request.kind)' is not a diagnostic this agent knows")
        }
    }

    private func probe(_ device: String) async -> (Bool, String) {
        let modbus = sources.compactMap { $0 as? ModbusSource }
        guard let source = modbus.first(where: { $0.deviceName == device }) else {
            let known = modbus.map(\.deviceName).joined(separator: ", ")
            return (
                false, "no Modbus device '\(device)' is configured" + (known.isEmpty ? "" : "; configured: \(known)")
            )
        }
        let outcome = await source.probe()
        let points = configuration.modbus.first { $0.name == device }?.points ?? []
        let units = Dictionary(points.map { ($0.name, $0.unit) }) { first, _ in first }
        let rows =
            [["point", "raw registers", "value", "unit", "quality"]]
            + outcome.readings.map { reading in
                [
                    reading.point, reading.raw.map { "0x" + Hex.digits($0, uppercase: true) }.joined(separator: " "),
                    reading.value.isFinite ? "\(reading.value)" : "-", units[reading.point] ?? "",
                    reading.quality.description,
                ]
            }
        var text = "modbus \(device): read once now\n" + TextTable.render(rows)
        for error in outcome.errors { text += "error: \(error)\n" }
        return (true, text)
    }

    private func errorsText() -> String {
        var rows = [["source", "good", "bad", "errors", "last error"]]
        for (name, counters) in sourceCounters.sorted(by: { $0.key < $1.key }) {
            let errors = counters.errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                separator: ", ")
            rows.append([
                name, "\(counters.goodSamples)", "\(counters.badSamples)", errors.isEmpty ? "-" : errors,
                counters.lastError ?? "-",
            ])
        }
        let lines = recentLog.text
        return "sources since the configuration was applied\n" + TextTable.render(rows)
            + "\nlast \(lines.count) log lines\n" + lines.joined(separator: "\n") + "\n"
    }

    private func outboxText() async -> String {
        let document = await status(state: StatusDocument.online)
        let clock = clock.now()
        let rows: [[String]] = [
            ["backlog", "\(document.backlogReadings) readings, \(document.backlogBytes) bytes"],
            ["oldest unsent", document.oldestUnsentAgeSeconds.map { "\(Int($0)) s ago" } ?? "-"],
            ["next sequence", "\(document.nextSequence)"],
            ["evicted readings", "\(document.evictedReadings)"],
            ["degraded batches", "\(document.degradedBatches)"],
            ["refused readings", "\(document.refusedReadings)"],
            ["in memory", "\(readingsWaitingInMemory) readings, \(readingsLostInMemory) lost"],
            ["clock", "\(clock.state.name), wall \(CivilDate.timestamp(seconds: clock.wall / 1_000_000_000))"],
            ["clock offset", document.clockOffsetMilliseconds.map { "\($0) ms (hub minus gateway)" } ?? "unknown"],
            ["uplink", "\(document.connected ? "connected" : "not connected"), \(document.inFlight) in flight"],
            ["last acknowledgement", document.lastAcknowledgementAgeSeconds.map { "\(Int($0)) s ago" } ?? "never"],
            ["storage written", "\(document.storageBytesWritten) bytes"],
        ]
        return TextTable.render(rows)
    }

    private func configurationText() -> String {
        let state = remote.status
        var text = "remote configuration: "
        if let state {
            text += state.applied == 0 ? "none (agent.toml alone)" : "v\(state.applied)"
            if let trial = state.trial { text += ", v\(trial) on trial" }
            if let failed = state.failed { text += "; v\(failed) \(state.outcome ?? "refused"): \(state.reason ?? "")" }
        } else {
            text += "off (no hub_key in agent.toml)"
        }
        text += "\n\n" + configuration.summary
        if let overlay = remote.runningOverlay, !overlay.isEmpty { text += "\nthe overlay applied:\n" + overlay }
        return text
    }
}
