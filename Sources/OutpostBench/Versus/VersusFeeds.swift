import OutpostProvisioning
import OutpostSigning
import OutpostWire

/// The fleet written the way each system is fed: signed frames for the hub (through
/// Mosquitto), JSON lines for VictoriaMetrics's `/api/v1/import`, line protocol for InfluxDB's
/// `/write`. Encoded before the clock starts, so each system is timed taking data, not the
/// benchmark making it.
enum VersusFeeds {
    /// Signed frames, one per gateway and minute (an hour for the history), in the fleet's
    /// order, and the gateways' identities to enrol.
    static func frames(_ fleet: VersusFleet) throws -> (
        frames: [(topic: String, bytes: [UInt8])], identities: [GatewayIdentity]
    ) {
        let resolution = Resolution(parsing: "0.01")
        var signers: [String: (GatewayFrameSigner, UInt64)] = [:]
        var identities: [GatewayIdentity] = []
        let descriptors = (0..<fleet.series).map {
            SeriesDescriptor(id: UInt32($0), name: VersusFleet.name($0), unit: "V", resolution: resolution)
        }
        var frames: [(topic: String, bytes: [UInt8])] = []
        try fleet.forEachFrame { blocks in
            guard let gateway = blocks.first?.gateway, let last = blocks.first?.samples.last else { return }
            if signers[gateway] == nil {
                let identity = try GatewayIdentity.generate(gatewayID: gateway)
                identities.append(identity)
                signers[gateway] = (try GatewayFrameSigner(privateKeyPEM: identity.privateKeyPEM), 0)
            }
            guard let (signer, sequence) = signers[gateway] else { return }
            signers[gateway] = (signer, sequence + 1)
            let chunks = try blocks.map { block in
                FrameChunk(
                    seriesID: UInt32(block.series),
                    chunk: try Chunk(
                        encoding: SampleColumns(block.samples), resolution: resolution, clockSynchronised: true))
            }
            let frame = BatchFrame(
                gatewayID: gateway, sequence: sequence + 1, bootID: .zero, clockState: .synchronised,
                createdAt: last.timestamp, createdMonotonic: 0, series: descriptors, chunks: chunks)
            frames.append((GatewayTopics(gateway: gateway).batch, try frame.encoded(signer: signer)))
        }
        return (frames, identities)
    }

    /// VictoriaMetrics's JSON lines, a line per series and frame, about `readingsPerBody` readings
    /// a request.
    static func victoriaMetrics(_ fleet: VersusFleet, readingsPerBody: Int = 100_000) -> [[UInt8]] {
        bodies(fleet, readingsPerBody) { block, body in
            let labels =
                #"{"metric":{"__name__":"\#(VersusFleet.metric(block.series))","gateway":"\#(block.gateway)","#
                + #""series":"\#(VersusFleet.name(block.series))"},"values":["#
            body += labels.utf8
            body += block.samples.map { "\($0.value)" }.joined(separator: ",").utf8
            body += #"],"timestamps":["#.utf8
            body += block.samples.map { "\($0.timestamp / 1_000_000)" }.joined(separator: ",").utf8
            body += "]}\n".utf8
        }
    }

    /// InfluxDB's line protocol, a measurement per series tagged by gateway, nanosecond times,
    /// about 5,000 lines a request (InfluxData's advice).
    static func influxDB(_ fleet: VersusFleet, linesPerBody: Int = 5_000) -> [[UInt8]] {
        bodies(fleet, linesPerBody) { block, body in
            let prefix = "\(VersusFleet.metric(block.series)),gateway=\(block.gateway) value="
            for sample in block.samples { body += "\(prefix)\(sample.value) \(sample.timestamp)\n".utf8 }
        }
    }

    /// The fleet's blocks, written by `write` into request bodies of about `readingsPerBody`
    /// readings each (a frame's blocks are never split).
    private static func bodies(
        _ fleet: VersusFleet, _ readingsPerBody: Int, _ write: (VersusFleet.Block, inout [UInt8]) -> Void
    ) -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        var body: [UInt8] = []
        var readings = 0
        fleet.forEachFrame { blocks in
            for block in blocks {
                write(block, &body)
                readings += block.samples.count
            }
            if readings >= readingsPerBody {
                bodies.append(body)
                (body, readings) = ([], 0)
            }
        }
        if !body.isEmpty { bodies.append(body) }
        return bodies
    }
}
