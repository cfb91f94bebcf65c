/// What a message costs on the link, in bytes both ways: the MQTT packet with its fixed
/// header, the broker's acknowledgement, and TLS record overhead, as the broker side counts
/// them (`outpost-bench link` checks the agent's count against a relay's). TCP and IP headers
/// are not counted; a carrier adds them.
enum LinkCost {
    /// TLS 1.2 with AES-GCM: a 5-byte record header, an 8-byte explicit nonce, a 16-byte tag.
    static let tlsRecord = 29
    /// A TLS handshake with certificates both ways (P-256), both directions, with a margin:
    /// over a whole TLS run of `outpost-bench link --tls` (a connection and a minute of
    /// summaries) the agent's count was 2.9 % above the relay's (45,150 against 43,866 bytes).
    static let tlsHandshake = 5_000

    /// A PUBLISH of `payload` bytes on `topic` at `qos`, with its PUBACK (QoS 1); the same
    /// whether sent or received.
    static func publish(topic: Int, payload: Int, qos: Int, tls: Bool) -> Int {
        // MQTT 5 adds a properties length (one byte) to each PUBLISH.
        let body = 2 + topic + (qos > 0 ? 2 : 0) + 1 + max(0, payload)
        let packet = 1 + lengthBytes(body) + body
        var total = packet + (qos > 0 ? 4 : 0)
        if tls { total += tlsRecord * (packet / 16_384 + 1) + (qos > 0 ? tlsRecord : 0) }
        return total
    }

    /// One keepalive: PINGREQ and PINGRESP.
    static func ping(tls: Bool) -> Int { 4 + (tls ? 2 * tlsRecord : 0) }

    /// A connection: CONNECT with the client id and last will, CONNACK, and one SUBSCRIBE and
    /// SUBACK per topic; the TLS handshake when `tls`.
    static func connection(clientID: Int, will: (topic: Int, payload: Int), subscriptions: [Int], tls: Bool) -> Int {
        let connect = 2 + 10 + 2 + clientID + 2 + will.topic + 2 + will.payload + 8
        // MQTT 5: Mosquitto's CONNACK carries properties (receive maximum, topic aliases, …).
        let properties = 48
        let subscribes = subscriptions.reduce(0) { $0 + 2 + 2 + 2 + $1 + 1 + 5 }
        let records = tls ? tlsRecord * (2 + 2 * subscriptions.count) + tlsHandshake : 0
        return connect + 4 + properties + subscribes + records
    }

    /// Bytes of MQTT's variable-length "remaining length" for `length`.
    private static func lengthBytes(_ length: Int) -> Int {
        length < 128 ? 1 : length < 16_384 ? 2 : length < 2_097_152 ? 3 : 4
    }
}
