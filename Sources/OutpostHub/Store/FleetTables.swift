import OutpostWire

/// What fleet management keeps, and the tables both stores keep it in.
///
/// - `gateway_configs`: every version of every gateway's remote configuration, never changed
///   once written: (gateway, version) with the overlay's text, its trial, who wrote it and when.
/// - `audit`: every operator action, appended only: when, who, from where, what, on what.
/// - `gateways.config_report`: where the gateway last said it stands (its status's
///   `configuration`, as JSON); `gateways.labels`: its labels (`{"site":"north"}`), what
///   rollouts select by.
/// - `rollouts`, `rollout_targets`: a configuration sent to many gateways, a few first.
/// - `diagnostics`: what operators asked gateways to look at, and the gateways' answers.
enum FleetTables {
    static let sqlite = """
        ALTER TABLE gateways ADD COLUMN config_report TEXT;
        ALTER TABLE gateways ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE rollouts (
            id INTEGER PRIMARY KEY,
            created_at INTEGER NOT NULL,
            author TEXT NOT NULL,
            note TEXT NOT NULL,
            toml TEXT NOT NULL,
            trial_s INTEGER NOT NULL,
            canary INTEGER NOT NULL,
            halt_share REAL NOT NULL,
            selector TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT NOT NULL);
        CREATE TABLE rollout_targets (
            rollout INTEGER NOT NULL,
            position INTEGER NOT NULL,
            gateway TEXT NOT NULL,
            version INTEGER,
            pushed_at INTEGER,
            state TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (rollout, position)) WITHOUT ROWID;
        CREATE TABLE diagnostics (
            id INTEGER PRIMARY KEY,
            gateway TEXT NOT NULL,
            kind TEXT NOT NULL,
            device TEXT,
            requested_by TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            answered_at INTEGER,
            ok INTEGER,
            answer TEXT);
        CREATE INDEX diagnostics_by_gateway ON diagnostics (gateway, id);
        CREATE TABLE gateway_configs (
            gateway TEXT NOT NULL,
            version INTEGER NOT NULL,
            toml TEXT NOT NULL,
            trial_s INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            author TEXT NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (gateway, version)) WITHOUT ROWID;
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            source TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL);
        CREATE INDEX audit_by_target ON audit (target, id);
        """

    static let postgres = """
        ALTER TABLE gateways ADD COLUMN config_report TEXT;
        ALTER TABLE gateways ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE rollouts (
            id BIGSERIAL PRIMARY KEY,
            created_at BIGINT NOT NULL,
            author TEXT NOT NULL,
            note TEXT NOT NULL,
            toml TEXT NOT NULL,
            trial_s BIGINT NOT NULL,
            canary BIGINT NOT NULL,
            halt_share DOUBLE PRECISION NOT NULL,
            selector TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT NOT NULL);
        CREATE TABLE rollout_targets (
            rollout BIGINT NOT NULL,
            position BIGINT NOT NULL,
            gateway TEXT NOT NULL,
            version BIGINT,
            pushed_at BIGINT,
            state TEXT NOT NULL,
            detail TEXT NOT NULL,
            PRIMARY KEY (rollout, position));
        CREATE TABLE diagnostics (
            id BIGSERIAL PRIMARY KEY,
            gateway TEXT NOT NULL,
            kind TEXT NOT NULL,
            device TEXT,
            requested_by TEXT NOT NULL,
            requested_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL,
            answered_at BIGINT,
            ok BOOLEAN,
            answer TEXT);
        CREATE INDEX diagnostics_by_gateway ON diagnostics (gateway, id);
        CREATE TABLE gateway_configs (
            gateway TEXT NOT NULL,
            version BIGINT NOT NULL,
            toml TEXT NOT NULL,
            trial_s BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            author TEXT NOT NULL,
            note TEXT NOT NULL,
            PRIMARY KEY (gateway, version));
        CREATE TABLE audit (
            id BIGSERIAL PRIMARY KEY,
            at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            source TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            detail TEXT NOT NULL);
        CREATE INDEX audit_by_target ON audit (target, id);
        """
}

extension FleetTables {
    /// Labels as the stores keep them: a JSON object of strings.
    static func labelsJSON(_ labels: [String: String]) -> String {
        DocumentJSON.encode(labels).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Labels read back; none for anything unreadable.
    static func labels(json: String?) -> [String: String] {
        json.flatMap { try? DocumentJSON.decode(Array($0.utf8), maxBytes: 64 * 1024, what: "labels") } ?? [:]
    }
}

/// One version of a gateway's remote configuration, as the hub keeps it.
package struct StoredConfiguration: Sendable, Hashable {
    package var gateway: String
    /// 1, 2, 3… per gateway.
    package var version: Int64
    /// The overlay, TOML.
    package var toml: String
    /// The trial the gateway gives it, seconds.
    package var trialSeconds: Int64
    /// When it was accepted, ns.
    package var createdAt: Int64
    /// Who wrote it: a user or a token's name.
    package var author: String
    /// Why, in the author's words (may be empty).
    package var note: String

    package init(
        gateway: String, version: Int64, toml: String, trialSeconds: Int64, createdAt: Int64, author: String,
        note: String
    ) {
        (self.gateway, self.version, self.toml, self.trialSeconds) = (gateway, version, toml, trialSeconds)
        (self.createdAt, self.author, self.note) = (createdAt, author, note)
    }
}

/// One operator action, as the audit log keeps it.
package struct AuditEntry: Sendable, Hashable {
    /// Its place in the log (0 before it is stored).
    package var id: Int64
    /// When, ns.
    package var at: Int64
    /// Who: a user, a token's name, or `outpost-hub` for the command line on the hub's machine.
    package var actor: String
    /// From where: the client's address, or `cli`.
    package var source: String
    /// What: `config.push`, `alert.acknowledge`, `gateway.enrol`, …
    package var action: String
    /// On what: a gateway, an alert, a user, a token.
    package var target: String
    /// The rest, in words.
    package var detail: String

    package init(
        id: Int64 = 0, at: Int64, actor: String, source: String, action: String, target: String, detail: String
    ) {
        (self.id, self.at, self.actor, self.source) = (id, at, actor, source)
        (self.action, self.target, self.detail) = (action, target, detail)
    }
}

/// Where the hub keeps gateways' remote configurations: versions appended, never changed.
package protocol FleetConfigurationStore: Sendable {
    /// Stores `toml` as `gateway`'s next version and returns it as stored.
    func addConfiguration(
        gateway: String, toml: String, trialSeconds: Int64, author: String, note: String, at time: Int64
    ) async throws -> StoredConfiguration
    /// Every version of `gateway`'s configuration, newest first.
    func configurations(gateway: String) async throws -> [StoredConfiguration]
    /// The newest version of every gateway's configuration.
    func newestConfigurations() async throws -> [StoredConfiguration]
}

/// Where the hub keeps rollouts and gateways' labels.
package protocol RolloutStore: Sendable {
    /// Sets `gateway`'s labels; false when no such gateway.
    func setLabels(gateway: String, _ labels: [String: String]) async throws -> Bool
    /// Stores a new rollout with its targets (ids ignored) and returns its id.
    func addRollout(_ rollout: Rollout) async throws -> Int64
    /// One rollout with its targets.
    func rollout(_ id: Int64) async throws -> Rollout?
    /// Rollouts newest first (`running` ones only when `running`), with their targets.
    func rollouts(running: Bool, limit: Int) async throws -> [Rollout]
    /// Saves a rollout's state and its targets' (what the runner changed).
    func updateRollout(_ rollout: Rollout) async throws
    /// Runs `body` unless another hub sharing this store is moving rollouts along now (hub
    /// replicas on PostgreSQL take turns, so no gateway is sent one step twice); false when it
    /// did not run.
    func movingRollouts(_ body: @escaping @Sendable () async throws -> Void) async throws -> Bool
}

/// One diagnostic request and, once the gateway answered, its answer.
package struct StoredDiagnostic: Sendable, Hashable {
    package var id: Int64
    package var gateway: String
    package var kind: String
    package var device: String?
    package var requestedBy: String
    package var requestedAt: Int64
    package var expiresAt: Int64
    package var answeredAt: Int64?
    package var ok: Bool?
    package var answer: String?

    package init(
        id: Int64 = 0, gateway: String, kind: String, device: String?, requestedBy: String, requestedAt: Int64,
        expiresAt: Int64, answeredAt: Int64? = nil, ok: Bool? = nil, answer: String? = nil
    ) {
        (self.id, self.gateway, self.kind, self.device) = (id, gateway, kind, device)
        (self.requestedBy, self.requestedAt, self.expiresAt) = (requestedBy, requestedAt, expiresAt)
        (self.answeredAt, self.ok, self.answer) = (answeredAt, ok, answer)
    }

    /// `answered`, `pending` or `expired` at `now`.
    package func state(at now: Int64) -> String {
        answeredAt != nil ? "answered" : now >= expiresAt ? "expired" : "pending"
    }
}

/// Where the hub keeps diagnostic requests and answers.
package protocol DiagnosticsStore: Sendable {
    /// Stores a request (its id ignored) and returns its id.
    func addDiagnostic(_ request: StoredDiagnostic) async throws -> Int64
    /// `gateway`'s requests, newest first; only the unanswered ones not expired at `openAt` when given.
    func diagnostics(gateway: String, openAt: Int64?, limit: Int) async throws -> [StoredDiagnostic]
    /// Records the answer to request `id` of `gateway`; false when there is no such unanswered request.
    func answerDiagnostic(_ id: Int64, gateway: String, ok: Bool, text: String, at time: Int64) async throws -> Bool
}

/// Where the hub keeps its audit log: appended, never changed through the hub.
package protocol AuditStore: Sendable {
    /// Appends `entry`.
    func audit(_ entry: AuditEntry) async throws
    /// Entries, newest first: those about `target` when given; `before` an id for the next page.
    func auditLog(target: String?, before: Int64?, limit: Int) async throws -> [AuditEntry]
}
