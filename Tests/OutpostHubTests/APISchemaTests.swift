import Foundation
import OutpostProvisioning
import OutpostTestSupport
import Testing

/// The running hub's API tested from `openapi.yaml` alone, by schemathesis: generated and
/// mutated requests to every operation, then stateful sequences.
@Suite("The API against its own document")
struct APISchemaTests {
    @Test("schemathesis: no 5xx, no undocumented status, no response that breaks its schema or content type")
    func schemathesis() async throws {
        let hub = try HubProcess(brokerPort: nil, extra: "[detection]\nlearning_samples = 200\n")
        let identity = try GatewayIdentity.generate(gatewayID: "gw-api")
        try hub.enrol("gw-api", publicKey: identity.publicKeyPEM)
        try hub.start(withBroker: false)
        // Something to find: a gateway with a series, readings and (soon) an alert.
        try postShiftedSeries(to: hub, as: identity, series: "pressure")
        let binary = packageRoot() + "/.build-py/bin/schemathesis"
        let outcome = try await ChildProcess.running(
            binary,
            [
                "run", packageRoot() + "/openapi.yaml", "--url", "http://127.0.0.1:\(hub.httpPort)",
                "--header", "Authorization: Bearer \(hub.token)",
                "--checks",
                "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance",
                "--max-examples", "20", "--seed", "1", "--workers", "1", "--no-color", "--generation-database", "none",
                // The WebSocket is not HTTP; revoking tokens would revoke the one this run uses
                // (the role tests and the token tests cover that route).
                "--exclude-path", "/api/v1/live", "--exclude-path", "/api/v1/tokens/{id}",
                "--report-dir", hub.folder.path + "/schemathesis",
            ], timeout: .seconds(300))
        let summary = outcome.stdout.split(separator: "\n").suffix(40).joined(separator: "\n")
        #expect(
            outcome.exitStatus == 0, "schemathesis found failures:\n\(outcome.stdout.suffix(6000))\n\(outcome.stderr)")
        let tested = outcome.stdout.firstMatch(of: /Tested: (\d+)/).flatMap { Int($0.1) } ?? 0
        #expect(tested >= 25, "operations tested: \(tested)\n\(summary)")
        let cases = outcome.stdout.firstMatch(of: /(\d+) generated/).flatMap { Int($0.1) } ?? 0
        #expect(cases >= 500, "test cases: \(cases)\n\(summary)")
    }
}
