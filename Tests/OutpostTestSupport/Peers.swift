#if canImport(Glibc)
    import Glibc
#endif

/// The device peers tests run: our simulator and pymodbus as an independent implementation.
package enum Peers {
    /// The Python with pymodbus that `make deps` installed (`OUTPOST_PYTHON`, else `.build-py/bin/python`).
    package static var python: String {
        if let configured = getenv("OUTPOST_PYTHON") { return String(cString: configured) }
        return packageRoot() + "/.build-py/bin/python"
    }

    /// Whether the pymodbus venv exists (it does after `make deps`).
    package static var hasPymodbus: Bool { access(python, X_OK) == 0 }

    /// Starts `outpost-sim modbus` on a free loopback port with `arguments` added; returns the
    /// process and its `tcp://127.0.0.1:PORT` URL once it listens.
    package static func simulator(_ arguments: [String]) throws -> (ChildProcess, String) {
        let process = try ChildProcess(
            Binaries.path("outpost-sim"), ["modbus", "--listen", "127.0.0.1:0"] + arguments,
            environment: ["OUTPOST_HARDWARE_DIR": packageRoot() + "/hardware"])
        let line = try process.waitForLine(startingWith: "listening ")
        return (process, String(line.dropFirst("listening ".count)))
    }

    /// Starts a Modbus TCP device that answers every read wrongly in one way (`short`, `count`,
    /// `function`, `txid`, `garbage`; see `Tests/Peers/broken_modbus_device.py`); returns it and its URL.
    package static func brokenModbusDevice(_ mode: String) throws -> (ChildProcess, String) {
        let process = try ChildProcess(python, [packageRoot() + "/Tests/Peers/broken_modbus_device.py", mode])
        let line = try process.waitForLine(startingWith: "listening ")
        return (process, String(line.dropFirst("listening ".count)))
    }

    /// Starts the pymodbus peer serving `specPath`; returns the process and its URL.
    package static func pymodbus(spec specPath: String, extra: [String] = []) throws -> (ChildProcess, String) {
        let process = try ChildProcess(python, [packageRoot() + "/Tests/Peers/pymodbus_peer.py", specPath] + extra)
        let line = try process.waitForLine(startingWith: "listening ")
        return (process, String(line.dropFirst("listening ".count)))
    }
}
