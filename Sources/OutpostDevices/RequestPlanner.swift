/// One read request: a run of adjacent addresses of one table, and the points it carries.
package struct ReadRequest: Sendable, Hashable {
    /// The table.
    package var function: ModbusFunction
    /// The first address read.
    package var address: Int
    /// How many registers (or bits) are read.
    package var count: Int
    /// The points, with their offset from `address`.
    package var points: [DevicePoint]

    /// The slice of a response that holds `point`.
    package func slice<T>(of point: DevicePoint, in response: [T]) -> ArraySlice<T> {
        let start = point.address - address
        return response[start..<(start + point.span)]
    }
}

/// Groups points into as few requests as the protocol and the device allow.
///
/// Adjacent points of one table are read together while the request stays within the device's
/// maximum (125 registers or 2000 bits at most), the hole between two points is no larger than
/// `maxGap` (reading a few unused registers is cheaper than another round trip), and no forbidden
/// address falls inside. Computed once at start-up (as Telegraf's `Init()` does), not per poll.
package enum RequestPlanner {
    /// The requests that read `points`.
    package static func plan(
        _ points: [DevicePoint], maxRegisters: Int = 125, maxGap: Int = 16, forbidden: [ClosedRange<Int>] = []
    ) -> [ReadRequest] {
        var requests: [ReadRequest] = []
        for function in ModbusFunction.allCases {
            let sorted = points.filter { $0.function == function }.sorted {
                ($0.address, $0.span) < ($1.address, $1.span)
            }
            let limit = function.isBitTable ? function.maximumPerRequest : min(maxRegisters, function.maximumPerRequest)
            var current: ReadRequest?
            for point in sorted {
                if var request = current {
                    let end = request.address + request.count
                    let newEnd = max(end, point.address + point.span)
                    let gap = point.address - end
                    let crossesForbidden =
                        !function.isBitTable
                        && forbidden.contains { $0.overlaps(request.address...(newEnd - 1)) }
                    if gap <= maxGap, newEnd - request.address <= limit, !crossesForbidden {
                        request.count = newEnd - request.address
                        request.points.append(point)
                        current = request
                        continue
                    }
                    requests.append(request)
                }
                current = ReadRequest(function: function, address: point.address, count: point.span, points: [point])
            }
            if let current { requests.append(current) }
        }
        return requests
    }
}
