import Hummingbird
import OutpostWire

/// The API's JSON answers: an `APIDocument` written by `APIJSON` (NaN and infinities `null`,
/// timestamps integers in nanoseconds since the epoch).
enum JSONResponse {
    static func ok<Document: APIDocument>(_ document: Document) -> Response { make(.ok, document) }

    /// The API's one error shape: `{"error": {"code": "...", "message": "..."}}`.
    static func error(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        make(status, API.ErrorBody(code: code, message: message))
    }

    /// A 503 for when the hub's database failed to `doing` (e.g. "answer", "check the session"):
    /// the database's own words (SQL, file paths) go to the hub's log, never to the client.
    static func storeUnavailable(_ doing: String) -> Response {
        error(
            .serviceUnavailable, "store_unavailable",
            "the hub's database could not \(doing) just now (the hub's log says why); try again in a moment")
    }

    static func make<Document: APIDocument>(_ status: HTTPResponse.Status, _ document: Document) -> Response {
        guard let bytes = try? APIJSON.encode(document) else {
            // APIJSON throws only what a document's own encode(to:) throws; ours throw nothing.
            return Response(
                status: .internalServerError, headers: [.contentType: "application/json"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        string: #"{"error":{"code":"internal","message":"the answer could not be written"}}"#)))
        }
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
