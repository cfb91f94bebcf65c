import OutpostWire
import Synchronization

/// The latest live values of each gateway (QoS 0, never the system of record), from its JSON
/// `LiveDocument`s or its compact `LiveFrame`s, which are read against what that gateway sent
/// before (its catalog, its last key frame).
package final class LiveValues: Sendable {
    private struct State {
        var latest: [String: LiveDocument] = [:]
        var decoders: [String: LiveDecoder] = [:]
        /// Gateways whose frames name a catalog the hub lacks: their next watch document should
        /// go out soon, so that they send it.
        var wanting: Set<String> = []
    }

    private let state = Mutex(State())

    /// Creates an empty board.
    package init() {}

    /// Reads `document` from `gateway` (JSON or compact), keeps it as the gateway's latest and
    /// returns it; nil for a compact one that cannot be read before the gateway sends its
    /// catalog or a key frame (asked for: `takeWanting`); otherwise says why it was refused.
    @discardableResult
    package func update(gateway: String, document: [UInt8]) throws(DocumentError) -> LiveDocument? {
        let read: LiveDocument
        if document.first == LiveFrame.marker {
            let decoded = try state.withLock { state throws(DocumentError) -> LiveDocument? in
                var decoder = state.decoders[gateway] ?? LiveDecoder()
                defer { state.decoders[gateway] = decoder }
                let values = try decoder.decode(document)
                if values == nil { state.wanting.insert(gateway) } else { state.wanting.remove(gateway) }
                return values
            }
            guard let decoded else { return nil }
            read = decoded
        } else {
            read = try LiveDocument(json: document)
        }
        state.withLock { $0.latest[gateway] = read }
        return read
    }

    /// The latest values of `gateway`.
    package func document(of gateway: String) -> LiveDocument? { state.withLock { $0.latest[gateway] } }

    /// The compact catalog the hub holds for `gateway`, for its watch documents.
    package func catalog(of gateway: String) -> UInt32? { state.withLock { $0.decoders[gateway]?.catalogID } }

    /// The gateways whose catalog the hub lacks (and forgets them: asked once per call).
    package func takeWanting() -> Set<String> {
        state.withLock { state in
            defer { state.wanting.removeAll() }
            return state.wanting
        }
    }
}

/// Reads one gateway's compact live frames: the catalog it last sent, and the values of its last
/// key frame, against which delta frames are read.
struct LiveDecoder: Sendable {
    private(set) var catalogID: UInt32?
    private var series: [LiveFrame.Series] = []
    private var base: [Int: LiveFrame.Value] = [:]
    /// The values in `bytes`; nil when they cannot be read yet: the frame names a catalog this
    /// decoder does not hold, or is a delta frame before any key frame.
    mutating func decode(_ bytes: [UInt8]) throws(DocumentError) -> LiveDocument? {
        let known = (catalogID, series.map(\.resolution))
        if let named = LiveFrame.catalog(of: bytes), !named.carried, named.id != catalogID { return nil }
        let frame = try LiveFrame(bytes: bytes) { id in id == known.0 ? known.1 : nil }
        if let catalog = frame.catalog {
            (catalogID, series, base) = (frame.catalogID, catalog, [:])
        }
        var values: [String: Double] = [:]
        var keyValues: [Int: LiveFrame.Value] = [:]
        for entry in frame.entries {
            var value = entry.value
            if !frame.key, case .steps(let delta) = value {
                guard case .steps(let from)? = base[entry.index] else { return nil }
                value = .steps(from.addingSaturating(delta))
            }
            if frame.key { keyValues[entry.index] = value }
            switch value {
            case .raw(let raw): values[series[entry.index].name] = raw
            case .steps(let steps):
                values[series[entry.index].name] = series[entry.index].resolution?.value(ofSteps: steps)
            }
        }
        if frame.key { base = keyValues }
        return LiveDocument(time: frame.time, values: values)
    }
}
