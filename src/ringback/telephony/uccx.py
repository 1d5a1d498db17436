"""The UCCX telephony adapter: due callbacks go back to UCCX through its HTTP-triggered scripts.

A callback is *sent back* with ``GET http://<master>:<port>/<prefix>?id=...&dnis=...&targetcsq=...``
(plus prompt, session, implementation and contact ids, language, five custom variables and the
dial key), and UCCX answers an XML ``<Response>`` whose ``<Code>`` is 0 (taken) or -1 (refused,
``<Description>`` saying why). ``GET /stats?CSQ=<name>`` answers a ``<CSQStats>`` document with the
CSQ's live figures. ``GET /stats?sessionid=<id>`` names the CSQ in which the caller's original
contact is still queued: a callback whose caller is still waiting live is not sent back yet (the
live contact holds the place; calling back as well would serve the caller twice). It is deferred,
without using an attempt, and asked about again after `recheck_seconds`.

The connection (master node, port, prefix, timeouts) is the one the UCCX dialect's setsettings
stores; the adapter reads it again on every request, so that a change of master node takes effect
without a restart. Failures are mapped as the webhook adapter maps them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree.ElementTree import Element, ParseError

import aiohttp
import defusedxml
import defusedxml.ElementTree as SafeXml
from yarl import URL

import ringback
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue
from ringback.services.ports import Delivery, DeliveryStatus, QueueStats
from ringback.telephony.webhook import (
    AMBIGUOUS_CODES,
    DETAIL_CHARS,
    MAX_ANSWER_BYTES,
    _failure,
    classify,
)

MAX_TIMEOUT_SECONDS = 60.0
MAX_TEXT = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class UccxConnection:
    """How ringback reaches UCCX: the master node's HTTP triggers and the contact-data feed."""

    master_node: str = ""
    port: int = 9080
    sendback_prefix: str = ""
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 5.0
    contact_data_url: str = ""
    contact_data_token: str = ""

    def __post_init__(self) -> None:
        for name in ("master_node", "sendback_prefix", "contact_data_url", "contact_data_token"):
            _check_text(name, getattr(self, name))
        if any(c.isspace() for c in self.master_node):
            raise errors.Invalid("master_node must be a host name or address", field="master_node")
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise errors.Invalid("port must be an integer", field="port")
        if not 1 <= self.port <= 65535:
            raise errors.Invalid("port must be between 1 and 65535", field="port")
        for name in ("connect_timeout_seconds", "read_timeout_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise errors.Invalid(f"{name} must be a number", field=name)
            if not 0 < value <= MAX_TIMEOUT_SECONDS:
                raise errors.Invalid(
                    f"{name} must be above 0 and at most {MAX_TIMEOUT_SECONDS:g}", field=name
                )
        url = self.contact_data_url
        if url and not url.startswith(("http://", "https://")):
            raise errors.Invalid(
                "contact_data_url must be an http:// or https:// URL", field="contact_data_url"
            )

    def as_dict(self) -> dict[str, Any]:
        """Return the connection as plain JSON values."""
        return dataclasses.asdict(self)


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise errors.Invalid(f"{name} must be text of at most {MAX_TEXT} characters", field=name)


#: where the adapter gets the connection from: fixed, or read anew (from the store) per request
ConnectionSource = (
    UccxConnection
    | Callable[[], UccxConnection | None]
    | Callable[[], Awaitable[UccxConnection | None]]
)
CUSTOM_VARS = 5
NOT_CONFIGURED = "telephony 'uccx' is not configured on this server (no UCCX master node)"
#: the most the session look-up waits for an answer: it only advises, the trigger decides
LOOKUP_READ_SECONDS = 1.0
#: how long a callback whose caller is still queued live waits before it is looked at again
RECHECK_SECONDS = 10.0


class UccxTelephony:
    """Sends due callbacks back to UCCX and asks it how its CSQs stand."""

    def __init__(
        self,
        connection: ConnectionSource,
        *,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 32,
        recheck_seconds: float = RECHECK_SECONDS,
    ) -> None:
        self._source = connection
        self._recheck_seconds = recheck_seconds
        self._max_connections = max_connections
        # Requests wait here rather than in the connection pool.
        self._gate = asyncio.Semaphore(max_connections)
        self._owns_session = session is None
        self._session = session

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use: an aiohttp session belongs to the running event loop.
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=30)
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": f"ringback/{ringback.__version__}"},
            )
            # aiohttp silently repeats a GET once when the connection drops; a send-back is not
            # idempotent on UCCX's side, so a drop must come back as an ambiguous failure instead.
            self._session._retry_connection = False
        return self._session

    async def connection(self) -> UccxConnection | None:
        """Return the current connection, or None when no master node is configured."""
        source = self._source
        if isinstance(source, UccxConnection):
            found: UccxConnection | None = source
        elif inspect.iscoroutinefunction(source):
            found = await source()
        else:
            # A store read: off the event loop.
            found = await asyncio.to_thread(source)  # type: ignore[arg-type]
        if found is None or not found.master_node:
            return None
        return found

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """Send the callback back to UCCX; map the answer, or the failure, to a Delivery."""
        connection = await self.connection()
        if connection is None:
            return Delivery(DeliveryStatus.PERMANENT, NOT_CONFIGURED)
        session_id = callback.uccx.session_id
        queued_in = await self.session_csq(session_id, connection) if session_id else None
        if queued_in:
            return Delivery(
                DeliveryStatus.DEFERRED,
                f"not sent back yet: the original contact (session {session_id}) is still queued "
                f"in CSQ {queued_in}"[:DETAIL_CHARS],
                retry_after_seconds=self._recheck_seconds,
            )
        url = sendback_url(connection, callback, queue, dial_key)
        limit = _budget(connection)
        async with self._gate:
            try:
                async with asyncio.timeout(limit):
                    return await self._send(url, connection)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                return _failure(exc, limit)

    async def _send(self, url: URL, connection: UccxConnection) -> Delivery:
        request = self._client().get(url, timeout=_timeout(connection), allow_redirects=False)
        async with request as response:
            data = await response.content.read(MAX_ANSWER_BYTES + 1)
        head = f"HTTP {response.status} {response.reason or ''}".strip()
        if not 200 <= response.status < 300:
            detail = f"{head}: {_excerpt(data)}" if data else head
            return Delivery(
                classify(response.status),
                detail[:DETAIL_CHARS],
                ambiguous=response.status in AMBIGUOUS_CODES,
            )
        root = _parse(data)
        code = _text(root, "Code") if root is not None and root.tag == "Response" else None
        if root is None or code is None:
            # UCCX ran the trigger but its answer says nothing: it may have taken the callback.
            detail = f"{head} without a UCCX <Response><Code>: {_excerpt(data)}"
            return Delivery(DeliveryStatus.TRANSIENT, detail[:DETAIL_CHARS], ambiguous=True)
        description = _text(root, "Description") or ""
        if code == "0":
            return Delivery(DeliveryStatus.ACCEPTED, f"UCCX code 0 {description}".strip())
        detail = f"UCCX code {code}: {description or 'no description'}"
        return Delivery(DeliveryStatus.TRANSIENT, detail[:DETAIL_CHARS])

    async def queue_stats(self, queue: Queue) -> QueueStats | None:
        """Return UCCX's live figures for the queue's CSQ, or None on any failure."""
        connection = await self.connection()
        if connection is None:
            return None
        url = base_url(connection).with_path("/stats").with_query({"CSQ": queue.name})
        async with self._gate:
            try:
                async with asyncio.timeout(_budget(connection)):
                    request = self._client().get(
                        url, timeout=_timeout(connection), allow_redirects=False
                    )
                    async with request as response:
                        if response.status != 200:
                            return None
                        data = await response.content.read(MAX_ANSWER_BYTES + 1)
            except (aiohttp.ClientError, OSError, TimeoutError):
                return None
        return parse_csq_stats(data, queue.name)

    async def session_csq(
        self, session_id: str, connection: UccxConnection | None = None
    ) -> str | None:
        """Return the CSQ where the contact `session_id` is queued, "" when it is not queued.

        None when UCCX cannot tell (no master node, an error, Code -1, an unreadable answer, or
        no answer within LOOKUP_READ_SECONDS of reading).
        """
        connection = connection or await self.connection()
        if connection is None:
            return None
        url = base_url(connection).with_path("/stats").with_query({"sessionid": session_id})
        read = min(connection.read_timeout_seconds, LOOKUP_READ_SECONDS)
        timeout = aiohttp.ClientTimeout(
            total=None, connect=connection.connect_timeout_seconds, sock_read=read
        )
        async with self._gate:
            try:
                async with asyncio.timeout(connection.connect_timeout_seconds + read):
                    request = self._client().get(url, timeout=timeout, allow_redirects=False)
                    async with request as response:
                        if response.status != 200:
                            return None
                        data = await response.content.read(MAX_ANSWER_BYTES + 1)
            except (aiohttp.ClientError, OSError, TimeoutError):
                return None
        return parse_session_answer(data)

    async def aclose(self) -> None:
        """Close the HTTP session if this adapter created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


def base_url(connection: UccxConnection) -> URL:
    """Return ``http://<master>:<port>/`` of the master node."""
    host = connection.master_node
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return URL(f"http://{host}:{connection.port}/")


def sendback_url(
    connection: UccxConnection, callback: Callback, queue: Queue, dial_key: str
) -> URL:
    """Return the send-back trigger's URL for `callback`, every value URL-encoded."""
    fields = callback.uccx
    custom = list(fields.custom_vars[:CUSTOM_VARS])
    custom += [""] * (CUSTOM_VARS - len(custom))
    params: list[tuple[str, str]] = [
        ("id", callback.external_id or str(callback.id)),
        ("dnis", callback.customer_number),
        ("targetcsq", queue.name),
        ("prompt", callback.prompt),
        ("sessionid", fields.session_id),
        ("implid", fields.impl_id),
        ("contactid", fields.contact_id),
        ("language", callback.language),
        *((f"customvar{i}", value) for i, value in enumerate(custom, start=1)),
        ("dialkey", dial_key),
    ]
    prefix = quote(connection.sendback_prefix.strip("/"), safe="/")
    query = urlencode(params, quote_via=quote)
    return URL(f"{base_url(connection)}{prefix}?{query}", encoded=True)


def parse_csq_stats(data: bytes, csq: str) -> QueueStats | None:
    """Read a ``<CSQStats>`` document; None when it is unreadable or lacks `csq`'s figures.

    UCCX reports -1 for a figure it does not know; an unknown Ready count means no answer.
    """
    root = _parse(data)
    if root is None or root.tag != "CSQStats":
        return None
    found = [e for e in root.findall("CSQ") if e.get("name") == csq]
    if not found:
        return None
    entry = found[0]
    ready = _count(entry, "Ready")
    if ready is None:
        return None
    return QueueStats(
        ready_agents=ready,
        talking_agents=_count(entry, "Talking") or 0,
        calls_waiting=_count(entry, "CallsWaiting") or 0,
        longest_wait_seconds=float(_count(entry, "LongestQueueTime") or 0),
    )


def parse_session_answer(data: bytes) -> str | None:
    """Read a ``/stats?sessionid=`` answer: the CSQ name, "" for none, None when not Code 0."""
    root = _parse(data)
    if root is None or root.tag != "Response" or _text(root, "Code") != "0":
        return None
    return _text(root, "csq") or ""


def _count(entry: Element, name: str) -> int | None:
    text = _text(entry, name)
    try:
        value = int(text) if text is not None else -1
    except ValueError:
        return None
    return value if value >= 0 else None


def _parse(data: bytes) -> Element | None:
    """Parse an answer of at most MAX_ANSWER_BYTES safely; None when it is not that."""
    if not data or len(data) > MAX_ANSWER_BYTES:
        return None
    try:
        root: Element = SafeXml.fromstring(data)
    except (ParseError, defusedxml.DefusedXmlException, ValueError):
        return None
    return root


def _text(element: Element, name: str) -> str | None:
    child = element.find(name)
    return None if child is None else (child.text or "").strip()


def _excerpt(data: bytes) -> str:
    text = data[: DETAIL_CHARS * 4].decode("utf-8", "replace")
    return " ".join(text.split())[:DETAIL_CHARS]


def _timeout(connection: UccxConnection) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(
        total=None,
        connect=connection.connect_timeout_seconds,
        sock_read=connection.read_timeout_seconds,
    )


def _budget(connection: UccxConnection) -> float:
    """The most one request may take: connecting, then waiting for the answer."""
    return connection.connect_timeout_seconds + connection.read_timeout_seconds
