"""Refuse a request whose declared body is too large, in the native error shape.

Starlette's own limit (max_body_size) still counts the bytes of bodies sent without a
Content-Length; this one answers early, before anything is read, and in JSON.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send


class DeclaredBodyLimit:
    """ASGI middleware: 413 `{"error": "too_large", ...}` when Content-Length exceeds the cap."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._declared(scope) > self.max_body_bytes:
            await self._refuse(send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _declared(scope: Scope) -> int:
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return 0
        return 0

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(
            {"error": "too_large", "message": f"the body exceeds {self.max_body_bytes} bytes"}
        ).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
