import Dispatch

/// One Modbus line (a TCP connection or an RTU serial bus) and the serial queue its blocking
/// libmodbus calls run on.
///
/// Several devices (unit ids) on one RTU bus share it in turn, never concurrently: every
/// request goes through `perform`, which runs on the bus's own queue, one at a time, off the
/// Swift concurrency pool (libmodbus blocks for up to the response timeout).
package final class ModbusBus: Sendable {
    private let queue: DispatchQueue
    private let owner: ContextOwner
    /// Where the bus goes.
    package let endpoint: ModbusEndpoint

    /// Holds the context; touched only on `queue`, which is what makes this `@unchecked Sendable` safe.
    private final class ContextOwner: @unchecked Sendable {
        let context: ModbusContext
        init(_ context: ModbusContext) { self.context = context }
    }

    /// Creates the bus; the connection opens on the first request.
    package init(endpoint: ModbusEndpoint) throws(ModbusError) {
        self.endpoint = endpoint
        owner = ContextOwner(try ModbusContext(endpoint: endpoint))
        queue = DispatchQueue(label: "outpost.modbus \(endpoint)")
    }

    /// Runs `body` with the bus's context on the bus's queue and returns its result.
    package func perform<Result: Sendable>(
        _ body: @escaping @Sendable (ModbusContext) throws(ModbusError) -> Result
    ) async throws(ModbusError) -> Result {
        let owner = self.owner
        let outcome: Swift.Result<Result, ModbusError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(ModbusError) {
                    continuation.resume(returning: .success(try body(owner.context)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try outcome.get()
    }
}
