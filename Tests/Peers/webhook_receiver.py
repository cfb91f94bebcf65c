#!/usr/bin/env python3
"""A webhook receiver for tests: answers the first N requests with HTTP 500 (a receiver that
fails, then recovers), accepts the rest, and prints each accepted body on one line:
`received <json>`. Prints `listening PORT` once it accepts connections."""
import http.server
import sys

failures_left = int(sys.argv[1]) if len(sys.argv) > 1 else 0


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global failures_left
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if failures_left > 0:
            failures_left -= 1
            print("failed", flush=True)
            self.send_response(500)
            self.end_headers()
            return
        print("received " + body.decode("utf-8"), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(f"listening {server.server_address[1]}", flush=True)
server.serve_forever()
