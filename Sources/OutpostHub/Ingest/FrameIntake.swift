import OutpostWire

/// The first step of ingest, shared by the MQTT and HTTP paths: decode, check and authenticate
/// a frame, or say why it is refused in a form fit for a metrics label and a log line.
package struct FrameIntake: Sendable {
    /// A refused frame: the reason code (`crc_mismatch`, `bad_signature`, …), the gateway it
    /// claimed if that much could be read, and the decoder's message.
    package struct Refusal: Error, Sendable, CustomStringConvertible {
        /// A stable, low-cardinality reason for counters.
        package let reason: RefusalCode
        /// The gateway the frame claimed to come from, when readable.
        package let claimedGateway: String?
        /// The decoder's description of the problem.
        package let detail: String

        package var description: String {
            "frame refused (\(reason)) from \(claimedGateway.map { "'\($0)'" } ?? "an unreadable sender"): \(detail)"
        }
    }

    private let decoder: FrameDecoder
    private let verifier: any FrameVerifier

    /// Creates an intake that authenticates with `verifier` under `limits`.
    package init(verifier: any FrameVerifier, limits: FrameLimits = .default) {
        decoder = FrameDecoder(limits: limits)
        self.verifier = verifier
    }

    /// Decodes and authenticates a binary frame, and refuses one whose samples carry times no
    /// reading can have (`implausible_time`): a signed frame from a gateway whose clock says
    /// 1677 is refused here, before any arithmetic on its times.
    package func accept(binary bytes: [UInt8]) throws(Refusal) -> BatchFrame {
        let frame: BatchFrame
        do {
            frame = try decoder.decode(bytes, verifier: verifier)
        } catch {
            throw refusal(error, bytes: bytes)
        }
        if let problem = Self.implausibleTime(in: frame) {
            throw Refusal(reason: problem.reasonCode, claimedGateway: frame.gatewayID, detail: problem.description)
        }
        return frame
    }

    /// The first chunk or minute summary whose recorded times leave `TimeWindow`, as an error.
    static func implausibleTime(in frame: BatchFrame) -> WireError? {
        let names = Dictionary(frame.series.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        for entry in frame.chunks {
            for timestamp in [entry.chunk.minTimestamp, entry.chunk.maxTimestamp] where !TimeWindow.contains(timestamp)
            {
                return .implausibleTime(
                    field: "series '\(names[entry.seriesID] ?? "\(entry.seriesID)")'", timestamp: timestamp)
            }
        }
        for entry in frame.summaries {
            for timestamp in [entry.start, entry.newest] where !TimeWindow.contains(timestamp) {
                return .implausibleTime(
                    field: "series '\(names[entry.seriesID] ?? "\(entry.seriesID)")'", timestamp: timestamp)
            }
        }
        return nil
    }

    /// Decodes and authenticates the JSON rendering of a frame, through the same checks.
    package func accept(json: [UInt8]) throws(Refusal) -> BatchFrame {
        let bytes: [UInt8]
        do {
            bytes = try FrameJSON.binary(fromJSON: json, limits: decoder.limits)
        } catch {
            throw Refusal(reason: error.reasonCode, claimedGateway: nil, detail: error.description)
        }
        return try accept(binary: bytes)
    }

    private func refusal(_ error: WireError, bytes: [UInt8]) -> Refusal {
        // Who is knocking matters to operators: an unknown or revoked gateway is its own reason
        // (the verifier's code).
        let claimed: String?
        switch error {
        case .badSignature(let gateway, _, _): claimed = gateway
        default: claimed = try? decoder.claimedGateway(of: bytes)
        }
        return Refusal(reason: error.reasonCode, claimedGateway: claimed, detail: error.description)
    }
}
