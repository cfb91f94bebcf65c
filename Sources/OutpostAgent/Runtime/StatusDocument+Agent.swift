import OutpostWire

/// The agent's side of its status document (`StatusDocument`, in OutpostWire): made from the
/// outbox, the clock, the uplink and the sources' counters.
extension StatusDocument {
    init(
        state: String, gateway: String, version: String, time: Int64, outbox: OutboxStatistics, clock: ClockReading,
        uplink: Uplink.Snapshot,
        lastAcknowledgementAge: Double?, storage: (written: Int64, perDay: Double?), sources: [String: Source]
    ) {
        self.init(state: state)
        self.gateway = gateway
        self.version = version
        self.time = time
        backlogReadings = outbox.pendingReadings + outbox.unsentReadings
        backlogBytes = outbox.bytes
        oldestUnsentAgeSeconds = outbox.oldestReading.map { Double(time - $0) / 1e9 }
        nextSequence = outbox.nextSequence
        evictedReadings = outbox.evictedReadings
        degradedBatches = outbox.degradedBatches
        refusedReadings = outbox.refusedReadings
        self.clock = clock.state.name
        clockOffsetMilliseconds = uplink.clockOffset.map { Double($0) / 1e6 }
        connected = uplink.connected
        inFlight = uplink.inFlight
        lastAcknowledgementAgeSeconds = lastAcknowledgementAge
        storageBytesWritten = storage.written
        storageBytesPerDay = storage.perDay
        self.sources = sources
        live = uplink.live
        liveRefusal = uplink.liveRefusal
        budget = uplink.budget
    }
}

extension StatusDocument.Source {
    init(_ snapshot: SourceCounters.Snapshot) {
        self.init()
        goodSamples = snapshot.goodSamples
        badSamples = snapshot.badSamples
        errors = snapshot.errors
        lastError = snapshot.lastError
        rejectedInput = snapshot.rejectedInput
        overruns = snapshot.overruns
        reconnects = snapshot.reconnects
    }
}
