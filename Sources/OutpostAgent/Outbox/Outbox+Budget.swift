import GRDB

extension Outbox {
    /// The data budget's count as last saved: its period and the bytes used in it.
    package func storedBudget() throws -> (period: Int64, used: Int64)? {
        try queue.sync { [self] in
            try database.read { db in
                guard
                    let period = try Int64.fetchOne(
                        db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [OutboxSchema.Key.budgetPeriod])
                else { return nil }
                return (period, try OutboxSchema.meta(db, OutboxSchema.Key.budgetUsed))
            }
        }
    }

    /// Saves the data budget's count, so a restart (or a power cut, losing at most what was
    /// counted since the last save) does not hand out a new budget.
    package func saveBudget(period: Int64, used: Int64) async throws {
        try await onQueue { [self] in
            try database.write { db in
                try OutboxSchema.set(db, OutboxSchema.Key.budgetPeriod, period)
                try OutboxSchema.set(db, OutboxSchema.Key.budgetUsed, used)
            }
        }
    }
}
