"""Small HTTP servers on 127.0.0.1 for the SSO tests: a JWKS endpoint and a CAS server."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

Handler = Callable[[str, dict[str, list[str]]], tuple[int, bytes]]


@contextmanager
def serve(answer: Handler) -> Iterator[tuple[str, list[str]]]:
    """Serve `answer(path, query)` on a free port; yield the base URL and the paths asked."""
    asked: list[str] = []

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            asked.append(self.path)
            status, body = answer(url.path, parse_qs(url.query))
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    # shutdown() waits for the loop's next poll: the default half second is felt by every test
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
