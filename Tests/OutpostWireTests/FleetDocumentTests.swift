import OutpostWire
import Testing

/// The fleet management documents read from outside: a configuration, diagnostic requests and
/// answers, the status's configuration report, each at and beyond its bounds.
@Suite("Fleet documents: configurations, diagnostics and reports, hostile values refused")
struct FleetDocumentTests {
    func read<Document: Decodable>(_ json: String, as type: Document.Type) throws(DocumentError) -> Document {
        try DocumentJSON.decode(Array(json.utf8), maxBytes: SignedHubDocument.maxBytes, what: "test document")
    }

    @Test("A configuration round-trips; its version, time and trial are checked at the edges")
    func configuration() throws {
        let document = ConfigurationDocument(
            gateway: "gw-1", version: 3, issuedAt: 1_800_000_000_000_000_000, toml: "[buffer]\nquota = \"1MB\"\n",
            trialSeconds: 5)
        let json = String(decoding: DocumentJSON.encode(document) ?? [], as: UTF8.self)
        #expect(try read(json, as: ConfigurationDocument.self) == document)
        #expect(json.contains(#""trial_s":5"#) && json.contains(#""issued_at":1800000000000000000"#))
        let base = #"{"gateway":"gw-1","toml":"","#
        for (fields, why) in [
            (#""version":0,"issued_at":1,"trial_s":600}"#, "version 0"),
            (#""version":-9223372036854775808,"issued_at":1,"trial_s":600}"#, "Int64.min"),
            (#""version":1,"issued_at":-1,"trial_s":600}"#, "a time before 1970"),
            (#""version":1,"issued_at":9223372036854775807,"trial_s":600}"#, "Int64.max as a time"),
            (#""version":1,"issued_at":1,"trial_s":4}"#, "a trial under 5 s"),
            (#""version":1,"issued_at":1,"trial_s":86401}"#, "a trial over a day"),
            (#""version":18446744073709551615,"issued_at":1,"trial_s":600}"#, "UInt64.max"),
            (#""version":1.5,"issued_at":1,"trial_s":600}"#, "a fraction"),
            (#""version":1,"issued_at":1}"#, "no trial"),
            (#""version":"1","issued_at":1,"trial_s":600}"#, "a string"),
        ] {
            #expect(throws: DocumentError.self, "\(why)") { try read(base + fields, as: ConfigurationDocument.self) }
        }
        let maximum = #"{"gateway":"gw-1","toml":"","version":9223372036854775807,"issued_at":0,"trial_s":86400}"#
        #expect(try read(maximum, as: ConfigurationDocument.self).version == .max)
    }

    @Test("Diagnostic requests and answers round-trip; an answer's text is cut to its limit from the end kept")
    func diagnostics() throws {
        let requests = DiagnosticRequests(
            gateway: "gw-1", issuedAt: 5,
            requests: [
                .init(id: 1, kind: "probe", device: "meter", expiresAt: 9), .init(id: 2, kind: "errors", expiresAt: 9),
            ])
        let json = String(decoding: DocumentJSON.encode(requests) ?? [], as: UTF8.self)
        #expect(try read(json, as: DiagnosticRequests.self) == requests)
        #expect(!json.contains(#""device":null"#) || json.contains(#""device":"meter""#))
        let huge = String(repeating: "line\n", count: DiagnosticAnswer.maxText)
        let answer = DiagnosticAnswer(gateway: "gw-1", request: 1, kind: "errors", time: 1, ok: true, text: huge)
        #expect(answer.text.utf8.count == DiagnosticAnswer.maxText && answer.text.hasSuffix("line\n"))
        let signed = DocumentJSON.encode(answer) ?? []
        #expect(signed.count < SignedHubDocument.maxBytes, "an answer fits one signed document")
        #expect(DiagnosticRequests.kinds == ["probe", "errors", "outbox", "config"])
    }

    @Test("A status's configuration report: absent from older agents, read when present, refused when mistyped")
    func report() throws {
        let old = try StatusDocument(json: Array(#"{"state":"online","gateway":"gw-1"}"#.utf8))
        #expect(old.configuration == nil)
        var current = StatusDocument(state: StatusDocument.online)
        current.configuration = RemoteConfigurationStatus(
            applied: 2, failed: 3, outcome: RemoteConfigurationStatus.rolledBack, reason: "source x failed",
            refusal: "forged")
        #expect(try StatusDocument(json: current.encoded()).configuration == current.configuration)
        #expect(throws: DocumentError.self) {
            try StatusDocument(json: Array(#"{"state":"online","configuration":{"applied":"two"}}"#.utf8))
        }
    }
}
