"""A loopback HTTPS + HTTP server for platform_http_client_test (standard library only).

Serves on 127.0.0.1, ports chosen by the system, one connection at a time per port (so a
test can tell that an earlier connection has been fully handled). Logs every request line,
header block and the body bytes it received to --log, and writes its ports and the SHA-256 of
its certificate (DER) as JSON to --info. Ends when its stdin closes (the driver died or is
done) or after --max-seconds, whichever comes first.

Endpoints: /hello, POST /echo (body and X-Otguard-Agent echoed back), /big?n=N (N bytes with a
Content-Length), /stream?n=N (N bytes, no Content-Length, connection closed at the end);
anything else is a 404.
"""
import argparse
import hashlib
import http.server
import json
import os
import ssl
import sys
import threading
import urllib.parse

LOG_LOCK = threading.Lock()
CONNECTION_TIMEOUT_S = 5


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # one request per connection
    log_path = None
    tls_context = None

    def setup(self):
        self.request.settimeout(CONNECTION_TIMEOUT_S)
        if self.tls_context is not None:
            self.request = self.tls_context.wrap_socket(self.request, server_side=True)
        super().setup()

    def log(self, text):
        with LOG_LOCK, open(self.log_path, "ab") as f:
            f.write(text if isinstance(text, bytes) else text.encode())
            f.flush()

    def log_message(self, fmt, *args):  # keep stderr quiet; the log file has it all
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = b""
        try:
            while len(body) < length:
                chunk = self.rfile.read1(length - len(body))
                if not chunk:
                    break
                body += chunk
        except OSError:  # the client went away mid-body
            pass
        return body

    def handle_any(self):
        body = self.read_body()
        self.log(f"REQUEST {self.command} {self.path}\n{self.headers}BODY {len(body)} bytes\n")
        self.log(body + b"\nEND\n")
        url = urllib.parse.urlsplit(self.path)
        n = int(urllib.parse.parse_qs(url.query).get("n", ["0"])[0])
        if url.path == "/hello":
            self.reply(200, b"hello from the otguard test server\n")
        elif url.path == "/echo" and self.command == "POST":
            self.reply(200, body, {"X-Echo-Agent": self.headers.get("X-Otguard-Agent", "")})
        elif url.path == "/big":
            self.reply(200, b"b" * n)
        elif url.path == "/stream":
            self.send_response(200)
            self.end_headers()
            for i in range(0, n, 4096):
                self.wfile.write(b"b" * min(4096, n - i))
        else:
            self.reply(404, b"not found\n")

    def reply(self, status, body, headers=None):
        self.send_response(status)
        self.send_header("X-Otguard-Test", "yes")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = handle_any


def serve(handler_class):
    server = http.server.HTTPServer(("127.0.0.1", 0), handler_class)
    server.handle_error = lambda request, address: None  # failed handshakes are expected
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    p = argparse.ArgumentParser()
    for name in ("--cert", "--key", "--log", "--info"):
        p.add_argument(name, required=True)
    p.add_argument("--max-seconds", type=float, default=600)
    a = p.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(a.cert, a.key)
    open(a.log, "wb").close()
    tls = serve(type("TlsHandler", (Handler,), {"log_path": a.log, "tls_context": context}))
    plain = serve(type("PlainHandler", (Handler,), {"log_path": a.log}))

    der = ssl.PEM_cert_to_DER_cert(open(a.cert).read())
    info = {"https_port": tls.server_address[1], "http_port": plain.server_address[1],
            "sha256": hashlib.sha256(der).hexdigest()}
    with open(a.info + ".tmp", "w") as f:
        json.dump(info, f)
    os.replace(a.info + ".tmp", a.info)  # the driver never sees half a file

    stdin_closed = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stdin_closed.set()), daemon=True).start()
    stdin_closed.wait(a.max_seconds)


if __name__ == "__main__":
    main()
