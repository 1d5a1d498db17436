"""A simulated dial endpoint (the far side of the webhook adapter): it records dial keys and
injects faults. Shipped for tests, benchmarks and anyone trying ringback without a dialer.

It is a small HTTP/1.1 server written directly on asyncio streams, so that it can reset a
connection (RST, not FIN), hold a request past any client timeout, and serve several thousand
requests per second as the benchmarks' baseline. It accepts any path:

- ``POST`` with a JSON body carrying ``dial_key`` (the webhook adapter's shape);
- ``GET`` with a ``dialkey`` or ``dial_key`` query parameter (the UCCX send-back shape);
- either with an ``Idempotency-Key`` header when the body and query carry no key.

No key gives 400 and no ledger line. Every other dial request gets one ledger line, a JSON object
``{"t", "dial_key", "result", "path"}`` written and flushed before the answer, where ``result`` is
``accepted``, ``error`` (503), ``timeout`` (held, never answered), ``reset`` (connection reset),
``dropped`` (answered 200 like ``accepted``, but the far side lost it) or ``lost_reply`` (the
call is placed, then the connection is reset before the answer: the reply is lost).
``POST /_control`` changes the faults, ``GET /_ledger`` lists the entries and ``GET /_health``
answers 200.

Run it as ``python -m ringback.simulate.webhook --port 0 --ledger PATH [--latency-ms N] ...``, or
in-process with `FakeEndpoint`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import random
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

HOST = "127.0.0.1"
MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
RESULTS = ("accepted", "error", "timeout", "reset", "dropped", "lost_reply")
REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Content Too Large",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}
RATES = ("error_rate", "timeout_rate", "reset_rate", "drop_rate", "lost_reply_rate")


@dataclass(frozen=True, slots=True)
class Faults:
    """The faults injected into dial requests; each rate is a probability per request."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    reset_rate: float = 0.0
    drop_rate: float = 0.0
    #: accepted (the call is placed), then the connection is reset before the answer: the
    #: reply is lost and the client cannot tell whether the dial happened
    lost_reply_rate: float = 0.0
    seed: int | None = None
    #: how long a "timeout" request is held before its connection is dropped
    hold_seconds: float = 30.0

    def __post_init__(self) -> None:
        for name in (*RATES, "latency_ms", "hold_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a non-negative number")
        if any(getattr(self, name) > 1 for name in RATES) or sum(self.rates()) > 1:
            raise ValueError("the fault rates must each lie in [0, 1] and add up to at most 1")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int)
        ):
            raise ValueError("seed must be an integer or null")

    def rates(self) -> tuple[float, ...]:
        """Return the error, timeout, reset, drop and lost-reply rates in that order."""
        return tuple(float(getattr(self, name)) for name in RATES)

    def updated(self, changes: Mapping[str, Any]) -> Faults:
        """Return these faults with `changes` applied (raises ValueError on an unknown key)."""
        known = {item.name for item in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """Return the faults as plain JSON values."""
        return dataclasses.asdict(self)

    def choose(self, rng: random.Random) -> str:
        """Draw the result of one dial request: one random number per request."""
        draw = rng.random()
        for result, rate in zip(RESULTS[1:], self.rates(), strict=True):
            if draw < rate:
                return result
            draw -= rate
        return "accepted"


def read_ledger(path: str | Path) -> list[dict[str, Any]]:
    """Return the entries of a ledger file; a last line still being written is left out."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in text.split("\n")[:-1] if line]


class Ledger:
    """The record of every dial request: a JSON-lines file, or a list when there is no file."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        self._memory: list[dict[str, Any]] = []
        self._file: IO[str] | None = None
        if self.path is not None:
            self._file = self.path.open("a", encoding="utf-8")

    def append(self, dial_key: str, result: str, path: str) -> None:
        """Write and flush one entry."""
        entry = {"t": time.time(), "dial_key": dial_key, "result": result, "path": path}
        with self._lock:
            if self.path is None:
                self._memory.append(entry)
                return
            if self._file is None:
                raise RuntimeError("the ledger is closed")
            self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        """Return every entry so far."""
        if self.path is not None:
            return read_ledger(self.path)
        with self._lock:
            return list(self._memory)

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


class BadRequest(Exception):
    """A request the server cannot parse; it is answered with `status` and the connection closed."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed HTTP request."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    keep_alive: bool

    def dial_key(self) -> str | None:
        """Return the key from the JSON body, the query or the Idempotency-Key header."""
        if self.body:
            with contextlib.suppress(ValueError):
                data = json.loads(self.body)
                if isinstance(data, dict) and isinstance(data.get("dial_key"), str):
                    return data["dial_key"] or None
        for name in ("dialkey", "dial_key"):
            values = self.query.get(name)
            if values and values[0]:
                return values[0]
        return self.headers.get("idempotency-key") or None


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """Read one request from `reader`; None when the client closed the connection cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest(400, "incomplete request head") from None
        return None
    except asyncio.LimitOverrunError:
        raise BadRequest(431, "request head too large") from None
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise BadRequest(400, "malformed header line")
            headers[name.strip().lower()] = value.strip()
    body = await _read_body(reader, headers)
    split = urlsplit(target)
    return Request(
        method,
        split.path or "/",
        parse_qs(split.query),
        headers,
        body,
        _keep_alive(version, headers),
    )


def _keep_alive(version: str, headers: Mapping[str, str]) -> bool:
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return await _read_chunked(reader)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadRequest(400, "bad Content-Length") from None
    if length < 0:
        raise BadRequest(400, "bad Content-Length")
    if length > MAX_BODY_BYTES:
        raise BadRequest(413, "body too large")
    return await reader.readexactly(length) if length else b""


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        line = await reader.readuntil(b"\r\n")
        try:
            size = int(line.split(b";")[0].strip(), 16)
        except ValueError:
            raise BadRequest(400, "bad chunk size") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers, ignored
            return bytes(body)
        if len(body) + size > MAX_BODY_BYTES:
            raise BadRequest(413, "body too large")
        body += (await reader.readexactly(size + 2))[:-2]


def encode_response(status: int, payload: object, *, keep_alive: bool) -> bytes:
    """Return a complete HTTP/1.1 response with a JSON body."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        f"Connection: {'keep-alive' if keep_alive else 'close'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def reset_connection(writer: asyncio.StreamWriter) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0) rather than an orderly FIN."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class EndpointServer:
    """The fake endpoint on the running event loop (use `FakeEndpoint` from other threads)."""

    def __init__(self, faults: Faults | None = None, ledger: Ledger | None = None) -> None:
        self.ledger = ledger or Ledger()
        self._state = (Faults(), random.Random())
        self.configure(faults or Faults())
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False
        self.port = 0

    @property
    def faults(self) -> Faults:
        """Return the faults in force."""
        return self._state[0]

    def configure(self, faults: Faults) -> Faults:
        """Put `faults` in force; a seed restarts the random sequence (safe from any thread)."""
        rng = random.Random(faults.seed) if faults.seed is not None else self._state[1]
        self._state = (faults, rng)
        return faults

    async def start(self, host: str = HOST, port: int = 0) -> int:
        """Listen on `host`:`port` (0 picks a free port) and return the port."""
        self._server = await asyncio.start_server(
            self._connection, host, port, limit=MAX_HEAD_BYTES, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        """Stop listening, cancel every connection (held requests too) and close the ledger."""
        self._closing = True
        if self._server is not None:
            self._server.close()
        await asyncio.sleep(0)  # let connections accepted just now register, to be cancelled
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
        self.ledger.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._closing:
            writer.transport.abort()
            return
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            writer.transport.abort()
        except BadRequest as exc:
            writer.write(encode_response(exc.status, {"error": str(exc)}, keep_alive=False))
            with contextlib.suppress(ConnectionError):
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.transport.abort()
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader)
            if request is None:
                return
            answer = await self._answer(request, writer)
            if answer is None:
                return  # the connection was reset or dropped on purpose
            writer.write(encode_response(*answer, keep_alive=request.keep_alive))
            await writer.drain()
            if not request.keep_alive:
                return

    async def _answer(
        self, request: Request, writer: asyncio.StreamWriter
    ) -> tuple[int, object] | None:
        if request.path.startswith("/_"):
            return self._control(request)
        if request.method not in ("GET", "POST"):
            return 405, {"error": "use GET or POST"}
        key = request.dial_key()
        if key is None:
            return 400, {"error": "no dial key (JSON dial_key, ?dialkey=, or Idempotency-Key)"}
        return await self._dial(key, request.path, writer)

    async def _dial(
        self, key: str, path: str, writer: asyncio.StreamWriter
    ) -> tuple[int, object] | None:
        faults, rng = self._state
        result = faults.choose(rng)
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        self.ledger.append(key, result, path)
        if result == "error":
            return 503, {"error": "injected fault", "dial_key": key}
        if result in ("reset", "lost_reply"):
            reset_connection(writer)
            return None
        if result == "timeout":
            await asyncio.sleep(faults.hold_seconds)
            writer.transport.abort()
            return None
        return 200, {"status": "accepted", "dial_key": key}

    def _control(self, request: Request) -> tuple[int, object]:
        route = (request.method, request.path)
        if route == ("GET", "/_health"):
            return 200, {"status": "ok"}
        if route == ("GET", "/_ledger"):
            return 200, self.ledger.entries()
        if route != ("POST", "/_control"):
            return 404, {"error": f"no {request.method} {request.path}"}
        try:
            changes = json.loads(request.body or b"{}")
            if not isinstance(changes, dict):
                raise ValueError("the body must be a JSON object")
            return 200, self.configure(self.faults.updated(changes)).as_dict()
        except (ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}


class FakeEndpoint:
    """The fake endpoint running in a background thread with its own event loop, on a free port."""

    def __init__(
        self, ledger_path: str | Path | None = None, faults: Faults | None = None, *, port: int = 0
    ) -> None:
        self.ledger_path = Path(ledger_path) if ledger_path is not None else None
        self._initial = faults or Faults()
        self._port = port
        self._server: EndpointServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Return the base URL, e.g. http://127.0.0.1:43125."""
        return f"http://{HOST}:{self._running().port}"

    @property
    def faults(self) -> Faults:
        """Return the faults in force."""
        return self._running().faults

    def start(self) -> FakeEndpoint:
        """Start serving and return once connections are accepted."""
        if self._thread is not None:
            raise RuntimeError("the fake endpoint is already started")
        self._ready.clear()
        self._server, self._error = None, None
        self._thread = threading.Thread(target=self._run, name="fake-endpoint", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._error is not None or self._server is None:
            raise RuntimeError("the fake endpoint did not start") from self._error
        return self

    def stop(self) -> None:
        """Stop serving: held requests are cancelled and the ledger closed."""
        if self._thread is None or self._loop is None or self._stopping is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop may be gone already
            self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(timeout=10)
        self._thread = None

    def configure(self, faults: Faults | Mapping[str, Any]) -> Faults:
        """Put new faults in force; a mapping changes only the settings it names."""
        server = self._running()
        new = faults if isinstance(faults, Faults) else server.faults.updated(faults)
        return server.configure(new)

    def ledger_entries(self) -> list[dict[str, Any]]:
        """Return every ledger entry so far."""
        return self._running().ledger.entries()

    def _running(self) -> EndpointServer:
        if self._server is None:
            raise RuntimeError("the fake endpoint is not started")
        return self._server

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported to start()
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        server = EndpointServer(self._initial, Ledger(self.ledger_path))
        await server.start(HOST, self._port)
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        self._server = server
        self._ready.set()
        await self._stopping.wait()
        await server.close()

    def __enter__(self) -> FakeEndpoint:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeEndpoint:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line of ``python -m ringback.simulate.webhook``."""
    parser = argparse.ArgumentParser(
        prog="python -m ringback.simulate.webhook", description=__doc__
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ledger", type=Path, help="JSON-lines ledger file (appended to)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--error-rate", type=float, default=0.0)
    parser.add_argument("--timeout-rate", type=float, default=0.0)
    parser.add_argument("--reset-rate", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--lost-reply-rate", type=float, default=0.0)
    parser.add_argument("--hold-seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int)
    return parser.parse_args(argv)


async def serve(faults: Faults, ledger_path: Path | None, port: int) -> None:
    """Serve until SIGTERM or SIGINT, printing the URL once connections are accepted."""
    server = EndpointServer(faults, Ledger(ledger_path))
    await server.start(HOST, port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    print(f"listening on http://{HOST}:{server.port}", flush=True)
    await stopping.wait()
    await server.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake endpoint from the command line; returns the exit code."""
    args = parse_args(argv)
    try:
        faults = Faults(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            timeout_rate=args.timeout_rate,
            reset_rate=args.reset_rate,
            drop_rate=args.drop_rate,
            lost_reply_rate=args.lost_reply_rate,
            seed=args.seed,
            hold_seconds=args.hold_seconds,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    asyncio.run(serve(faults, args.ledger, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
