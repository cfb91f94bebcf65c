import ArgumentParser
import OutpostCLI
import OutpostHub
import OutpostSystem
import OutpostWire

#if canImport(Glibc)
    import Glibc
#endif

/// `outpost-hub user`: the people who log in to the dashboard.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Add, list, change or remove dashboard users.",
        subcommands: [UserAdd.self, UserList.self, UserPassword.self, UserRemove.self])
}

/// The accounts service over the configured store.
private func accounts(_ config: ConfigOption) async throws -> Accounts {
    let configuration = try config.load()
    return await Accounts(store: try config.openStore(), bcryptCost: configuration.web.bcryptCost)
}

/// A password from the terminal (not echoed, asked twice) or, with `--password-stdin`, the
/// first line of standard input.
private func readPassword(fromStandardInput: Bool) throws -> String {
    if fromStandardInput || isatty(STDIN_FILENO) == 0 {
        let text = String(decoding: try FileIO.readStandardInput(), as: UTF8.self)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
    let first = try Terminal.readHidden(prompt: "Password: ")
    let second = try Terminal.readHidden(prompt: "Again: ")
    guard first == second else { throw CommandFailure("the two passwords differ; nothing changed") }
    return first
}

struct UserAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add a user; the password is asked for, or read from standard input.")

    @OptionGroup var config: ConfigOption
    @Flag(help: "Make the user an admin (same as --role admin).") var admin = false
    @Option(help: "viewer, operator or admin.") var role: String = "viewer"
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input's first line.")
    var passwordStdin = false
    @Argument(help: "The login name.") var name: String

    func run() async throws {
        guard let parsed = admin ? .admin : Role(rawValue: role) else {
            throw CommandFailure("--role is viewer, operator or admin, not '\(role)'")
        }
        let password = try readPassword(fromStandardInput: passwordStdin)
        do {
            try await accounts(config).addUser(name, role: parsed, password: password)
        } catch let error as AccountError {
            throw CommandFailure(error.description)
        }
        try await config.audit("user.add", "user \(name)", "role \(parsed.rawValue)")
        FileIO.printOut(Array("added \(parsed.rawValue) \(name)\n".utf8))
    }
}

struct UserList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the users and their roles.")

    @OptionGroup var config: ConfigOption

    func run() async throws {
        for user in try await config.openStore().users() {
            FileIO.printOut(Array("\(user.name)\t\(user.role.rawValue)\n".utf8))
        }
    }
}

struct UserPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Set a user's password (their sessions end).")

    @OptionGroup var config: ConfigOption
    @Flag(name: .customLong("password-stdin"), help: "Read the password from standard input's first line.")
    var passwordStdin = false
    @Argument(help: "The login name.") var name: String

    func run() async throws {
        let password = try readPassword(fromStandardInput: passwordStdin)
        do {
            guard try await accounts(config).setPassword(of: name, to: password) else {
                throw CommandFailure("no user '\(name)'")
            }
        } catch let error as AccountError {
            throw CommandFailure(error.description)
        }
        try await config.audit("user.change", "user \(name)", "password")
        FileIO.printOut(Array("password of \(name) changed\n".utf8))
    }
}

struct UserRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a user and end their sessions.")

    @OptionGroup var config: ConfigOption
    @Argument(help: "The login name.") var name: String

    func run() async throws {
        guard try await accounts(config).removeUser(name) else { throw CommandFailure("no user '\(name)'") }
        try await config.audit("user.remove", "user \(name)")
        FileIO.printOut(Array("removed \(name)\n".utf8))
    }
}

/// `outpost-hub token`: API tokens for automation.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list or revoke API tokens.",
        subcommands: [TokenAdd.self, TokenList.self, TokenRevoke.self])
}

struct TokenAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a token; its secret is printed once and never stored.")

    @OptionGroup var config: ConfigOption
    @Option(help: "What the token is for.") var name: String
    @Option(help: "viewer, operator or admin.") var role: String = "viewer"

    func run() async throws {
        guard let parsed = Role(rawValue: role) else {
            throw CommandFailure("--role is viewer, operator or admin, not '\(role)'")
        }
        let created = try await accounts(config).addToken(name: name, role: parsed, createdBy: Accounts.localCreator)
        try await config.audit("token.add", "token \(created.id)", "'\(name)', role \(parsed.rawValue)")
        FileIO.printOut(Array("\(created.secret)\n".utf8))
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the tokens (never their secrets).")

    @OptionGroup var config: ConfigOption

    func run() async throws {
        for token in try await config.openStore().tokens() {
            let state = token.revokedAt == nil ? "active" : "revoked"
            FileIO.printOut(Array("\(token.id)\t\(token.name)\t\(token.role.rawValue)\t\(state)\n".utf8))
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by its id.")

    @OptionGroup var config: ConfigOption
    @Argument(help: "The token's id.") var id: Int64

    func run() async throws {
        guard try await config.openStore().revokeToken(id, at: systemWallClock()) else {
            throw CommandFailure("no active token \(id)")
        }
        try await config.audit("token.revoke", "token \(id)")
        FileIO.printOut(Array("revoked token \(id)\n".utf8))
    }
}

/// Reading a line from the terminal without echoing it.
enum Terminal {
    static func readHidden(prompt: String) throws -> String {
        FileIO.printErrorRaw(prompt)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { throw CommandFailure("cannot read the terminal's settings") }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileIO.printErrorRaw("\n")
        }
        guard let line = readLine(strippingNewline: true) else { throw CommandFailure("no password given") }
        return line
    }
}
