import Hummingbird
import OutpostSystem

/// The dashboard's pages (plain HTML and JavaScript from the assets folder, no build step) and
/// the libraries they use, served from Debian's `libjs-dygraphs` and `libjs-leaflet` folders:
/// nothing is fetched from outside the hub.
struct PageRoutes {
    let services: HubServices
    /// Page paths and their files.
    static let pages = [
        "/": "index.html", "/gateway": "gateway.html", "/series": "series.html", "/alerts": "alerts.html",
        "/admin": "admin.html", "/rollouts": "rollouts.html",
    ]

    func register(on routes: HubRoutes) {
        let web = services.web
        for (path, file) in Self.pages.sorted(by: { $0.key < $1.key }) {
            routes.add(.get, path, .role(.viewer), page: true) { _, _ in
                try await Self.page(web.assets + "/" + file, tiles: web.tileOrigin)
            }
        }
        routes.add(.get, "/login", .open) { _, _ in try await Self.page(web.assets + "/login.html") }
        // Code and styles, no data: open, so the login page can load them.
        let cache = CacheControl([(MediaType(type: .any), [.maxAge(3600)])])
        routes.router.middlewares.add(
            FileMiddleware(web.assets + "/assets", urlBasePath: "/assets", cacheControl: cache))
        routes.router.middlewares.add(
            FileMiddleware(web.dygraphs, urlBasePath: "/vendor/dygraphs", cacheControl: cache))
        routes.router.middlewares.add(FileMiddleware(web.leaflet, urlBasePath: "/vendor/leaflet", cacheControl: cache))
    }

    /// A page, with a policy that lets it load nothing but the hub (and the map tiles, if set).
    static func page(_ path: String, tiles: String = "") async throws -> Response {
        guard let bytes = try? await BlockingWork.run({ try FileIO.read(path) }) else {
            return Response(
                status: .internalServerError, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(string: "the dashboard's files are missing: \(path) (set [web] assets)\n")))
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'self'; img-src 'self' data: \(tiles); style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
