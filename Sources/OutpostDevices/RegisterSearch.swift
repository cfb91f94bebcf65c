/// Finds the interpretations of raw registers that give the value a technician reads on the
/// device's display: every type, word and byte order, scale, and 0- or 1-based address.
///
/// Word order and scaling are the most common Modbus support problem; this turns "the meter says
/// 231.4 V" into "float32, CDAB, at 1-based register 1".
package enum RegisterSearch {
    /// One way of reading the registers.
    package struct Candidate: Sendable, Hashable {
        /// The protocol address the value starts at.
        package var address: Int
        /// Whether that address is the asked one minus 1 (the document counts registers from 1).
        package var oneBased: Bool
        /// Type, order and scale.
        package var codec: RegisterCodec
        /// What it decodes to.
        package var value: Double
        /// |value − expected| / |expected|.
        package var relativeError: Double
    }

    /// The scales tried.
    package static let scales: [Double] = [1, 0.1, 0.01, 0.001, 10, 100, 1000]

    /// Candidates for `expected`, best first. `registers` were read from `firstAddress` on; the
    /// asked address is `askedAddress` (≥ `firstAddress`). Only candidates within `tolerance`
    /// (relative) are returned.
    package static func candidates(
        registers: [UInt16], firstAddress: Int, askedAddress: Int, expected: Double, tolerance: Double = 0.01,
        limit: Int = 10
    ) -> [Candidate] {
        var found: [Candidate] = []
        for (start, oneBased) in [(askedAddress, false), (askedAddress - 1, true)] where start >= firstAddress {
            let offset = start - firstAddress
            for type in PointType.allCases where type != .bool && offset + type.registerCount <= registers.count {
                let orders: [WordOrder] = type.registerCount == 1 ? [.abcd, .badc] : WordOrder.allCases
                for order in orders {
                    for scale in scales {
                        let codec = RegisterCodec(type: type, order: order, scale: scale)
                        let value = codec.decode(registers[offset..<(offset + type.registerCount)])
                        guard value.isFinite else { continue }
                        let error = abs(value - expected) / max(abs(expected), 1e-9)
                        if error <= tolerance {
                            found.append(
                                Candidate(
                                    address: start, oneBased: oneBased, codec: codec, value: value, relativeError: error
                                ))
                        }
                    }
                }
            }
        }
        return Array(found.sorted { rank($0) < rank($1) }.prefix(limit))
    }

    /// Closer first; then the common cases: 0-based, scale 1, ABCD, shorter types.
    private static func rank(_ candidate: Candidate) -> (Double, Int, Int, Int, Int) {
        (
            (candidate.relativeError * 1e6).rounded(), candidate.oneBased ? 1 : 0, candidate.codec.scale == 1 ? 0 : 1,
            candidate.codec.order == .abcd ? 0 : 1, candidate.codec.type.registerCount
        )
    }
}
