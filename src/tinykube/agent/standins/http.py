"""The nginx/httpd stand-in: a small HTTP/1.1 server that serves the welcome page.

Run as ``python -I -S http.py --flavor nginx --port 80 [--port 8080 ...]`` inside a pod's
namespaces (standard library only, so it starts fast and small). ``GET /`` and
``GET /index.html`` answer the nginx welcome page (or httpd's "It works!"); other paths
answer nginx's 404 page; ``HEAD`` is supported; other methods get 405. Every response
carries ``X-Pod-Name``: the pod's hostname, so a client can tell which pod answered. Each
request is logged to stdout in nginx's combined format, which ``kubectl logs`` shows.
Connections are kept alive and requests may be pipelined. SIGTERM stops it with exit code
0, as nginx's fast shutdown.

``respond`` and ``take`` are pure and tested without sockets. The server is a plain
``selectors`` loop rather than asyncio: a stand-in is one process per pod, and asyncio
would double its memory (~10 MB more each) and its start-up time.
"""

from __future__ import annotations

import selectors
import signal
import socket
import sys
import time

NGINX_PAGE = b"""<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
HTTPD_PAGE = b"<html><body><h1>It works!</h1></body></html>\n"
MAX_HEAD = 65536


def error_page(status: str, server: str) -> bytes:
    return (f"<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
            f"<center><h1>{status}</h1></center>\r\n<hr><center>{server}</center>\r\n"
            "</body>\r\n</html>\r\n").encode()


class Site:
    def __init__(self, flavor: str, pod_name: str) -> None:
        self.flavor = flavor
        self.server = "nginx" if flavor == "nginx" else "Apache"
        self.page = NGINX_PAGE if flavor == "nginx" else HTTPD_PAGE
        self.pod_name = pod_name


class Request:
    def __init__(self, method: str, target: str, version: str,
                 headers: dict[str, str]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers

    @property
    def keep_alive(self) -> bool:
        conn = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return conn == "keep-alive"
        return conn != "close"


def parse_head(head: bytes) -> Request | None:
    """The request line and headers (without the blank line); None if malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            return None
        headers[name.strip().lower()] = value.strip()
    return Request(parts[0], parts[1], parts[2], headers)


def http_date(now: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now))


def respond(req: Request, site: Site, now: float) -> tuple[int, bytes, int]:
    """The status code, the full response bytes and the body's size for ``req``."""
    path = req.target.split("?", 1)[0]
    if req.method not in ("GET", "HEAD"):
        code, reason, body, ctype = 405, "Not Allowed", None, "text/html"
    elif path in ("/", "/index.html"):
        code, reason, body, ctype = 200, "OK", site.page, "text/html"
    else:
        code, reason, body, ctype = 404, "Not Found", None, "text/html"
    if body is None:
        body = error_page(f"{code} {reason}", site.server)
    head = [
        f"HTTP/1.1 {code} {reason}",
        f"Server: {site.server}",
        f"Date: {http_date(now)}",
        f"Content-Type: {ctype}",
        f"Content-Length: {len(body)}",
        f"Connection: {'keep-alive' if req.keep_alive else 'close'}",
        f"X-Pod-Name: {site.pod_name}",
    ]
    if code == 200:
        head.append("Accept-Ranges: bytes")
    data = ("\r\n".join(head) + "\r\n\r\n").encode()
    if req.method == "HEAD":
        return code, data, 0
    return code, data + body, len(body)


def access_line(peer: str, req: Request, code: int, size: int, now: float) -> str:
    stamp = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now))
    agent = req.headers.get("user-agent", "-")
    referer = req.headers.get("referer", "-")
    return (f'{peer} - - [{stamp}] "{req.method} {req.target} {req.version}" {code} {size} '
            f'"{referer}" "{agent}" "-"\n')


def take(buf: bytes) -> tuple[list[Request], bytes, bool]:
    """The complete requests at the start of ``buf``, what is left, and whether the
    connection must be dropped (a malformed or oversized head)."""
    out: list[Request] = []
    while True:
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return out, buf, len(buf) > MAX_HEAD
        req = parse_head(buf[:end])
        if req is None:
            return out, b"", True
        try:
            length = int(req.headers.get("content-length", "0") or 0)
        except ValueError:
            return out, b"", True
        if len(buf) < end + 4 + length:
            return out, buf, False
        buf = buf[end + 4 + length:]
        out.append(req)


class Connection:
    """One client: bytes in, requests answered in order, bytes out."""

    def __init__(self, sock: socket.socket, peer: str, site: Site) -> None:
        self.sock, self.peer, self.site = sock, peer, site
        self.inbox = b""
        self.outbox = b""
        self.closing = False

    def readable(self) -> bool:
        """Read and answer; False when the connection is done."""
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not data:
            return False
        reqs, self.inbox, broken = take(self.inbox + data)
        for req in reqs:
            now = time.time()
            code, response, size = respond(req, self.site, now)
            self.outbox += response
            sys.stdout.write(access_line(self.peer, req, code, size, now))
            if not req.keep_alive:
                self.closing = True
                break
        self.closing = self.closing or broken
        return self.writable()

    def writable(self) -> bool:
        """Send what is pending; False when the connection is done."""
        if self.outbox:
            try:
                sent = self.sock.send(self.outbox)
            except BlockingIOError:
                return True
            except OSError:
                return False
            self.outbox = self.outbox[sent:]
        return bool(self.outbox) or not self.closing


def listen(port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1024)
    s.setblocking(False)
    return s


def serve(site: Site, listeners: list[socket.socket], *, stop: list[bool] | None = None) -> None:
    """Serve until SIGTERM (or until ``stop[0]`` is set, for tests)."""
    sel = selectors.DefaultSelector()
    for s in listeners:
        sel.register(s, selectors.EVENT_READ, None)
    while not (stop and stop[0]):
        for key, mask in sel.select(timeout=0.5 if stop is not None else None):
            if key.data is None:
                _accept(sel, key.fileobj, site)  # type: ignore[arg-type]
                continue
            conn: Connection = key.data
            alive = conn.readable() if mask & selectors.EVENT_READ else conn.writable()
            if not alive:
                sel.unregister(conn.sock)
                conn.sock.close()
            elif conn.outbox:
                sel.modify(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
            else:
                sel.modify(conn.sock, selectors.EVENT_READ, conn)


def _accept(sel: selectors.BaseSelector, listener: socket.socket, site: Site) -> None:
    try:
        sock, addr = listener.accept()
    except BlockingIOError:
        return
    sock.setblocking(False)
    sel.register(sock, selectors.EVENT_READ, Connection(sock, addr[0], site))


def parse_args(argv: list[str]) -> tuple[str, list[int]]:
    flavor, ports = "nginx", []
    for i, a in enumerate(argv):
        if a == "--flavor":
            flavor = argv[i + 1]
        elif a == "--port":
            ports.append(int(argv[i + 1]))
    return flavor, ports or [80]


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGQUIT, lambda *_: sys.exit(0))
    flavor, ports = parse_args(sys.argv[1:])
    listeners = [listen(p) for p in ports]
    print(f"tinykube {flavor} stand-in: serving on port(s) {', '.join(map(str, ports))}",
          flush=True)
    serve(Site(flavor, socket.gethostname()), listeners)


if __name__ == "__main__":
    main()
