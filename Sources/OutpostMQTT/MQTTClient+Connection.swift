import CMosquitto

extension MQTTClient {
    func configure(_ options: Options) throws(MQTTError) {
        let pointer = handle.pointer
        // No mosquitto_threaded_set: mosquitto_loop_start marks the handle threaded itself, and
        // refuses (MOSQ_ERR_INVAL) a handle already marked.
        if options.preferVersion5 {
            try check(
                mosquitto_int_option(pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5), "choosing MQTT 5")
        }
        try check(mosquitto_max_inflight_messages_set(pointer, UInt32(options.maxInflight)), "setting the window")
        let maximum = UInt32(max(1, options.reconnectMaximum))
        try check(
            mosquitto_reconnect_delay_set(pointer, min(UInt32.random(in: 1...3), maximum), maximum, true),
            "setting reconnects")
        if let tls = options.tls {
            try check(
                mosquitto_tls_set(pointer, tls.caFile, nil, tls.certificateFile, tls.keyFile, nil),
                "loading TLS files (CA \(tls.caFile))")
        }
        if let will = options.will {
            try check(
                will.payload.withUnsafeBytes {
                    mosquitto_will_set(pointer, will.topic, Int32($0.count), $0.baseAddress, will.qos, will.retain)
                }, "setting the last will")
        }
        mosquitto_user_data_set(pointer, Unmanaged.passUnretained(context).toOpaque())
        mosquitto_connect_callback_set(pointer) { _, user, code in
            guard let user else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(user).takeUnretainedValue()
            context.continuation.yield(code == 0 ? .connected : .refused(code: code))
        }
        mosquitto_disconnect_callback_set(pointer) { _, user, _ in
            guard let user else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(user).takeUnretainedValue()
            context.continuation.yield(.disconnected(expected: context.expectingDisconnect.load(ordering: .relaxed)))
        }
        mosquitto_publish_callback_set(pointer) { _, user, messageID in
            guard let user else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(user).takeUnretainedValue()
            context.continuation.yield(.published(messageID: messageID))
        }
        mosquitto_message_callback_set(pointer) { _, user, message in
            guard let user, let message, let topic = message.pointee.topic else { return }
            let context = Unmanaged<CallbackContext>.fromOpaque(user).takeUnretainedValue()
            let length = Int(message.pointee.payloadlen)
            let payload: [UInt8] =
                length > 0 && message.pointee.payload != nil
                ? Array(UnsafeRawBufferPointer(start: message.pointee.payload, count: length)) : []
            context.continuation.yield(.message(topic: String(cString: topic), payload: payload))
        }
    }

    /// Connects (blocking until the TCP and TLS handshakes are done or fail, so a broker that is
    /// down fails fast) and starts the network loop, which reconnects by itself afterwards.
    /// The broker's answer arrives as `.connected` or `.refused`.
    package func connect(host: String, port: Int, keepalive: Int) throws(MQTTError) {
        try whileOpen { () throws(MQTTError) in
            context.expectingDisconnect.store(false, ordering: .relaxed)
            try check(
                mosquitto_connect(handle.pointer, host, Int32(port), Int32(keepalive)), "connecting to \(host):\(port)")
            try check(mosquitto_loop_start(handle.pointer), "starting the network loop")
        }
    }

    /// Sets when libmosquitto's loop tries again after a lost connection: `first` seconds after,
    /// then growing (quadratically) to at most `maximum`. Takes effect at the next attempt.
    package func setReconnectDelays(first: Int, maximum: Int) throws(MQTTError) {
        let maximum = UInt32(max(1, maximum))
        try whileOpen { () throws(MQTTError) in
            try check(
                mosquitto_reconnect_delay_set(handle.pointer, min(UInt32(max(1, first)), maximum), maximum, true),
                "setting reconnects")
        }
    }

    /// Whether `shutdown()` was called: every later call fails.
    package var isShutDown: Bool { handle.closed.load(ordering: .acquiring) }

    /// Connects again after the broker refused the connection: libmosquitto's loop does not retry
    /// a refused CONNACK by itself. Blocks for the TCP (and TLS) handshake, like `connect`.
    package func reconnectAfterRefusal() throws(MQTTError) {
        try whileOpen { () throws(MQTTError) in
            _ = mosquitto_loop_stop(handle.pointer, true)
            context.expectingDisconnect.store(false, ordering: .relaxed)
            try check(mosquitto_reconnect(handle.pointer), "reconnecting")
            try check(mosquitto_loop_start(handle.pointer), "starting the network loop")
        }
    }

    /// Runs `body` unless the client was shut down, holding off a shutdown meanwhile.
    private func whileOpen(_ body: () throws(MQTTError) -> Void) throws(MQTTError) {
        let result: Result<Void, MQTTError> = handle.lifecycle.withLock { _ in
            guard !handle.closed.load(ordering: .acquiring) else {
                return .failure(MQTTError(code: Int32(MOSQ_ERR_NO_CONN.rawValue), doing: "connecting after shutdown"))
            }
            do throws(MQTTError) {
                try body()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Switches to MQTT 3.1.1 (for a broker that refused MQTT 5); takes effect at the next connect.
    package func useVersion311() {
        _ = mosquitto_int_option(handle.pointer, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
    }

    /// Publishes `message`; returns its message id (matched by `.published` for QoS 1).
    @discardableResult
    package func publish(_ message: Message) throws(MQTTError) -> Int32 {
        var messageID: Int32 = 0
        try whileOpen { () throws(MQTTError) in
            let code = message.payload.withUnsafeBytes {
                mosquitto_publish(
                    handle.pointer, &messageID, message.topic, Int32($0.count), $0.baseAddress, message.qos,
                    message.retain)
            }
            try check(code, "publishing to \(message.topic)")
        }
        return messageID
    }

    /// Subscribes to `topic` (wildcards allowed) at `qos`.
    package func subscribe(_ topic: String, qos: Int32 = 1) throws(MQTTError) {
        try whileOpen { () throws(MQTTError) in
            try check(mosquitto_subscribe(handle.pointer, nil, topic, qos), "subscribing to \(topic)")
        }
    }

    /// Disconnects cleanly (the last will is not published); the loop keeps running until `shutdown`.
    package func disconnect() {
        context.expectingDisconnect.store(true, ordering: .relaxed)
        _ = mosquitto_disconnect(handle.pointer)
    }

    /// Disconnects, stops the network loop (joining its thread) and frees the handle. Idempotent.
    package func shutdown() {
        handle.lifecycle.withLock { _ in shutdownNow() }
    }

    private func shutdownNow() {
        guard !handle.closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        disconnect()
        // Not forced: the loop thread sends the DISCONNECT (so the broker does not publish the
        // last will) and then exits.
        _ = mosquitto_loop_stop(handle.pointer, false)
        mosquitto_destroy(handle.pointer)
        context.continuation.finish()
    }

    private func check(_ code: Int32, _ action: String) throws(MQTTError) {
        guard code == Int32(MOSQ_ERR_SUCCESS.rawValue) else { throw MQTTError(code: code, doing: action) }
    }
}
