/// The API's JSON documents, one Swift type per schema of `openapi.yaml`'s
/// `components/schemas`, with the same name and keys. `APIContractTests` writes every type's
/// examples with `APIJSON` and has them checked against the spec by an independent JSON Schema
/// validator (Python's `jsonschema`), and checks that every JSON answer the spec describes has
/// a type here: the code cannot drift from the document without a test failing.
package enum API {}

/// A document the API sends, named as its schema in `openapi.yaml`.
package protocol APIDocument: Encodable, Sendable {
    /// The schema in `components/schemas` that describes it.
    static var schema: String { get }
    /// Values that show every shape it takes (each optional key present and absent): what the
    /// contract test checks against the spec.
    static var examples: [Self] { get }
}

/// A key the API leaves out when there is no value (`next_offset` on the last page), where a
/// plain optional is written as `null`. The spec lists such keys as not required.
@propertyWrapper
package struct OmittedWhenNil<Value: Encodable & Sendable>: Encodable, Sendable {
    package var wrappedValue: Value?

    package init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

/// What `APIJSON` asks of an `OmittedWhenNil` without knowing its value type.
protocol OmittableValue {
    var isAbsent: Bool { get }
}

extension OmittedWhenNil: OmittableValue {
    var isAbsent: Bool { wrappedValue == nil }
}

extension API {
    /// Every document type, for the contract test.
    package static let documents: [any APIDocument.Type] = [
        ErrorBody.self, Health.self, IngestAcknowledgement.self, IngestStats.self, RefusalPage.self,
        Session.self, UserList.self, User.self, UserChanged.self, UserRemoved.self, LoggedOut.self,
        TokenList.self, CreatedToken.self, TokenRevoked.self,
        GatewayPage.self, GatewayAnswer.self, GatewaySeriesList.self, LatestList.self, GatewayHealth.self,
        GatewayEnrolled.self, GatewayRevoked.self,
        SeriesSamples.self, SeriesBuckets.self, SeriesScores.self,
        AlertPage.self, AlertAnswer.self, AlertAcknowledged.self, WebhookEvent.self,
        LiveReadings.self, LiveGateway.self, LiveAlert.self, LiveNotice.self,
        ConfigurationVersion.self, GatewayConfiguration.self, ConfigurationPushed.self, ConfigurationCheck.self,
        ConfigurationDiff.self, AuditPage.self, RolloutAnswer.self, RolloutList.self, GatewayLabels.self,
        Diagnostic.self, DiagnosticList.self, ReleaseList.self, ReleaseUploaded.self,
    ]
}
