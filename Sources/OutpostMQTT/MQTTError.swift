import CMosquitto

/// Why an MQTT operation failed, with libmosquitto's own text and whether trying again later can
/// help (a broker that is down) or not (a bad certificate path).
package struct MQTTError: Error, Hashable, Sendable, CustomStringConvertible {
    /// libmosquitto's error number (`MOSQ_ERR_*`).
    package let code: Int32
    /// What was being done.
    package let action: String
    /// libmosquitto's text for the error.
    package let reason: String

    /// Creates an error from a libmosquitto return code (and errno for `MOSQ_ERR_ERRNO`).
    package init(code: Int32, doing action: String) {
        self.code = code
        self.action = action
        if code == Int32(MOSQ_ERR_ERRNO.rawValue) {
            reason = String(cString: strerror(errno))
        } else {
            reason = mosquitto_strerror(code).map { String(cString: $0) } ?? "error \(code)"
        }
    }

    /// Whether a later attempt may succeed (network, broker, resource trouble).
    package var isRetryable: Bool {
        switch code {
        case Int32(MOSQ_ERR_INVAL.rawValue), Int32(MOSQ_ERR_NOT_SUPPORTED.rawValue), Int32(MOSQ_ERR_TLS.rawValue),
            Int32(MOSQ_ERR_PAYLOAD_SIZE.rawValue), Int32(MOSQ_ERR_MALFORMED_UTF8.rawValue):
            false
        default: true
        }
    }

    package var description: String { "\(action): \(reason)" }
}

#if canImport(Glibc)
    import Glibc
#endif
