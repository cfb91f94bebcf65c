import CMosquitto
import Synchronization

/// An MQTT client over libmosquitto: one owner of one `struct mosquitto`, its network loop on
/// libmosquitto's own thread, and everything it hears delivered as `events`.
///
/// Thread-safe: libmosquitto's publish, subscribe and disconnect may be called from any thread
/// while its loop thread runs (`mosquitto_loop_start` makes the handle threaded). `shutdown()` (or `deinit`) stops
/// the loop thread and frees the handle, in that order.
package final class MQTTClient: Sendable {
    /// How to reach and greet the broker.
    package struct Options: Sendable {
        /// Broker host.
        package var host: String
        /// Broker port.
        package var port: Int
        /// The client id (the gateway id for agents).
        package var clientID: String
        /// Keepalive in seconds.
        package var keepalive: Int
        /// CA, client certificate and key files for TLS; nil for plain TCP.
        package var tls: TLSFiles?
        /// The last will: published by the broker when this client vanishes.
        package var will: Message?
        /// Try MQTT 5 first (falls back to 3.1.1 when the broker refuses it).
        package var preferVersion5: Bool
        /// Keep the session (subscriptions, queued QoS 1 messages) across reconnects.
        package var cleanSession: Bool
        /// QoS 1 messages in flight at most (libmosquitto queues the rest).
        package var maxInflight: Int
        /// libmosquitto's reconnects after a lost connection start 1-3 s apart (spread across a
        /// fleet) and double up to this many seconds.
        package var reconnectMaximum: Int

        /// Creates options with plain TCP, MQTT 5 preferred, a persistent session.
        package init(
            host: String, port: Int, clientID: String, keepalive: Int = 30, tls: TLSFiles? = nil, will: Message? = nil,
            preferVersion5: Bool = true, cleanSession: Bool = false, maxInflight: Int = 20,
            reconnectMaximum: Int = 60
        ) {
            self.host = host
            self.port = port
            self.clientID = clientID
            self.keepalive = keepalive
            self.tls = tls
            self.will = will
            self.preferVersion5 = preferVersion5
            self.cleanSession = cleanSession
            self.maxInflight = maxInflight
            self.reconnectMaximum = reconnectMaximum
        }
    }

    /// TLS files (PEM).
    package struct TLSFiles: Sendable, Hashable {
        /// The CA that signed the broker's certificate.
        package var caFile: String
        /// The client certificate, for brokers that require one.
        package var certificateFile: String?
        /// Its private key.
        package var keyFile: String?

        /// Creates TLS settings.
        package init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    /// A message to publish.
    package struct Message: Sendable, Hashable {
        /// The topic.
        package var topic: String
        /// The payload.
        package var payload: [UInt8]
        /// 0 or 1.
        package var qos: Int32
        /// Whether the broker keeps it for later subscribers.
        package var retain: Bool

        /// Creates a message.
        package init(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) {
            self.topic = topic
            self.payload = payload
            self.qos = qos
            self.retain = retain
        }
    }

    /// What the connection reports.
    package enum Event: Sendable, Hashable {
        /// The broker accepted the connection (again, after a reconnect).
        case connected
        /// The broker refused the connection: `code` is the CONNACK reason.
        case refused(code: Int32)
        /// The connection was lost (`expected` after `disconnect()`).
        case disconnected(expected: Bool)
        /// The broker took a QoS 1 message (PUBACK).
        case published(messageID: Int32)
        /// A message arrived on a subscribed topic.
        case message(topic: String, payload: [UInt8])
    }

    /// Everything the connection reports, in order.
    package let events: AsyncStream<Event>
    let context: CallbackContext
    let handle: Handle

    /// Holds the pointer; only libmosquitto's thread-safe calls use it after set-up.
    final class Handle: @unchecked Sendable {
        // @unchecked: the pointer is written once in init; libmosquitto serialises access to the
        // struct internally once mosquitto_loop_start made it threaded, and it is freed only in shutdown(), once.
        let pointer: OpaquePointer
        let closed = Atomic<Bool>(false)
        /// Held by connect, reconnect and shutdown, so the handle is never freed under a
        /// (re)connect running on another thread.
        let lifecycle = Mutex(())
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
    }

    /// What the C callbacks reach through their user-data pointer.
    final class CallbackContext: Sendable {
        let continuation: AsyncStream<Event>.Continuation
        let expectingDisconnect = Atomic<Bool>(false)
        init(_ continuation: AsyncStream<Event>.Continuation) { self.continuation = continuation }
    }

    /// Creates the client; nothing is sent until `connect()`.
    package init(_ options: Options) throws(MQTTError) {
        MosquittoLibrary.initialise()
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        events = stream
        context = CallbackContext(continuation)
        guard let created = mosquitto_new(options.clientID, options.cleanSession, nil) else {
            throw MQTTError(code: Int32(MOSQ_ERR_ERRNO.rawValue), doing: "creating the MQTT client")
        }
        handle = Handle(created)
        do throws(MQTTError) {
            try configure(options)
        } catch {
            mosquitto_destroy(created)
            handle.closed.store(true, ordering: .relaxed)
            throw error
        }
    }

    deinit { shutdown() }
}
