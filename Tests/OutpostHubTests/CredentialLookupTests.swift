import OutpostTestSupport
import Testing

// What a hostile client can put where the hub looks a credential up (one read that joins the
// credential and its owner): nothing it sends finds an identity it was not given, on either store.
@testable import OutpostHub

@Suite("Credential lookup against hostile input")
struct CredentialLookupTests {
    @Test(
        "Empty, huge, SQL-shaped and binary secrets, a revoked token, a removed owner's token and session, and clocks at Int64's ends find no identity; the good ones still do",
        arguments: StoreBackend.allCases)
    func hostileSecrets(backend: StoreBackend) async throws {
        let folder = try TemporaryFolder()
        let store = try await backend.open(in: folder)
        let accounts = Accounts(store: store, bcryptCost: 4)
        try await accounts.addUser("ana", role: .admin, password: "a long enough password")
        try await accounts.addUser("bo", role: .operator, password: "a long enough password")
        let anas = try await accounts.addToken(name: "script", role: .viewer, createdBy: "ana")
        let bos = try await accounts.addToken(name: "bo's", role: .operator, createdBy: "bo")
        let revoked = try await accounts.addToken(name: "old", role: .viewer, createdBy: "ana")
        #expect(try await store.revokeToken(revoked.id, at: 1))
        guard
            case .success(let cookie, _) = try await accounts.login(
                "bo", password: "a long enough password", client: "t")
        else { throw HubTestFailure("bo could not log in") }

        let hostile = [
            "", " ", "opt_", String(repeating: "a", count: 1 << 20), "' OR 1=1 --", "\" OR \"\"=\"",
            "opt_\u{0}" + anas.secret, String(anas.secret.dropLast()), anas.secret + " ", anas.secret.uppercased(),
            "\u{FEFF}" + anas.secret, String(decoding: [0xFF, 0xFE, 0x00, 0x80], as: UTF8.self), revoked.secret,
        ]
        for secret in hostile {
            #expect(try await accounts.identify(token: secret) == nil, "token \(secret.prefix(40).debugDescription)")
            #expect(try await accounts.identify(cookie: secret) == nil, "cookie \(secret.prefix(40).debugDescription)")
        }
        #expect(try await accounts.identify(token: anas.secret)?.role == .viewer)
        #expect(try await accounts.identify(cookie: cookie)?.name == "bo")
        #expect(try await accounts.identify(token: bos.secret)?.role == .operator)

        // Clocks at Int64's ends: the last-use arithmetic saturates, the lookup still answers.
        for time in [Int64.min, -1, Int64.max] {
            #expect(try await store.useToken(hash: Accounts.hash(anas.secret), at: time)?.record.id == anas.id)
        }

        // Bo removed: his session and his token find nothing, even read together with his row gone.
        #expect(try await accounts.removeUser("bo"))
        #expect(try await accounts.identify(cookie: cookie) == nil)
        #expect(try await accounts.identify(token: bos.secret) == nil)
        #expect(try await accounts.identify(token: anas.secret)?.name == "script")
    }
}
