import OutpostHub
import OutpostTestSupport
import Testing

/// The API's Swift types against `openapi.yaml`: every type's examples, written as the hub
/// writes its answers, are checked by Python's `jsonschema` (not by us) against the schema of
/// the same name, and every JSON answer the spec describes must have such a type.
@Suite("The API's types against its document")
struct APIContractTests {
    @Test("Every document type writes what openapi.yaml says, every JSON answer has a type, every object is closed")
    func typesMatchTheSpec() async throws {
        var json: [UInt8] = Array("{".utf8)
        for (index, type) in API.documents.enumerated() {
            json += Array("\(index > 0 ? "," : "")\"\(type.schema)\":".utf8) + (try Self.examples(of: type))
        }
        json += Array("}".utf8)
        let folder = try TemporaryFolder()
        let examples = folder.write(json, to: "examples.json")
        let outcome = try await ChildProcess.running(
            Peers.python,
            [packageRoot() + "/Tests/Peers/check_api_documents.py", packageRoot() + "/openapi.yaml", examples])
        #expect(outcome.exitStatus == 0, "\(outcome.stdout)\(outcome.stderr)")
        #expect(outcome.stdout.contains("of \(API.documents.count) schemas; 0 problems"), "\(outcome)")
        #expect(Set(API.documents.map { $0.schema }).count == API.documents.count, "two types claim one schema")
    }

    @Test("A document that breaks its schema is caught: the check can fail")
    func checkCanFail() async throws {
        let folder = try TemporaryFolder()
        // A gateway answer missing its required keys, and a health answer with a key too many.
        let examples = folder.write(
            Array(#"{"GatewayAnswer":[{"gateway":{"id":"gw-1"}}],"Health":[{"status":"ok","extra":1}]}"#.utf8),
            to: "examples.json")
        let outcome = try await ChildProcess.running(
            Peers.python,
            [packageRoot() + "/Tests/Peers/check_api_documents.py", packageRoot() + "/openapi.yaml", examples])
        #expect(outcome.exitStatus == 1)
        #expect(
            outcome.stdout.contains("GatewayAnswer example 0: at gateway: 'state' is a required property"), "\(outcome)"
        )
        #expect(outcome.stdout.contains("Health example 0"), "\(outcome)")
        #expect(outcome.stdout.contains("no Swift type (API.documents) writes it"), "\(outcome)")
    }

    private static func examples<Document: APIDocument>(of type: Document.Type) throws -> [UInt8] {
        try APIJSON.encode(Document.examples)
    }
}
