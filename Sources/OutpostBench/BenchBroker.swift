import OutpostSystem

/// A Mosquitto for a benchmark: loopback, a random port, no queue or in-flight limits (the
/// defaults drop QoS 1 messages under load; PLATFORM-NOTES.md), persistence in `folder` when asked.
package enum BenchBroker {
    /// Starts it (on `port`, or a random one: a restarted broker keeps its port); returns the
    /// process and its port once it listens.
    package static func start(in folder: String, persistent: Bool = false, port: Int? = nil) throws -> (
        SpawnedProcess, Int
    ) {
        let port = try port ?? LoopbackPort.free(in: .benchmarks)
        let config = folder + "/mosquitto.conf"
        var text = """
            listener \(port) 127.0.0.1
            allow_anonymous true
            max_queued_messages 0
            max_inflight_messages 0
            log_dest stderr
            log_type all
            user root

            """
        if persistent { text += "persistence true\npersistence_location \(folder)/\n" }
        try FileIO.write(Array(text.utf8), to: config)
        let broker = try SpawnedProcess(
            executable: "/usr/sbin/mosquitto", arguments: ["-c", config], ready: "Opening ipv4 listen socket",
            readyOnStderr: true)
        return (broker, port)
    }
}
