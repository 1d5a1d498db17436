"""The webhook telephony adapter: each due callback is POSTed as signed JSON to a configured URL.

The body carries the dial key and the callback; the headers carry the key again
(``Idempotency-Key``), a unix timestamp (``X-Ringback-Timestamp``) and an HMAC-SHA256 of
``"<timestamp>." + body`` (``X-Ringback-Signature: sha256=<hex>``) that receivers check with
`verify_signature`. The adapter never retries and never raises for a failed dial: it maps every
answer and failure to a `Delivery`, marked `ambiguous` when the far side may have the request (read
timeout, reset, connection closed without an answer, 504), so that the dispatcher re-sends the same
dial key; a failure before anything was sent (refused, connect timeout) or a definite answer is not.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

import ringback
from ringback.domain.callbacks import Callback
from ringback.domain.queues import Queue
from ringback.services import signing
from ringback.services.ports import Delivery, DeliveryStatus, QueueStats

#: how much of an answer's body is read and quoted in a Delivery's detail
MAX_ANSWER_BYTES = 64 * 1024
DETAIL_CHARS = 200
TRANSIENT_CODES = frozenset({408, 425, 429})
#: answers after which the far side may still act on the request (a gateway timed out upstream)
AMBIGUOUS_CODES = frozenset({504})


def verify_signature(
    secret: str,
    timestamp: int | str,
    body: bytes,
    signature: str,
    *,
    now: float,
    tolerance_seconds: float = 300,
) -> bool:
    """Tell whether `signature` signs `body` at `timestamp`, no more than the tolerance from now."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if not signature.isascii():
        return False
    return signing.verify(
        secret, sent_at, body, signature.strip(), now=now, tolerance=tolerance_seconds
    )


def classify(status_code: int) -> DeliveryStatus:
    """Map an HTTP status code to the kind of answer it is."""
    if 200 <= status_code < 300:
        return DeliveryStatus.ACCEPTED
    if status_code in TRANSIENT_CODES or 500 <= status_code < 600:
        return DeliveryStatus.TRANSIENT
    if 300 <= status_code < 500:
        return DeliveryStatus.PERMANENT  # a redirect is not followed: the URL is wrong
    return DeliveryStatus.TRANSIENT


def payload(callback: Callback, queue: Queue, dial_key: str) -> dict[str, Any]:
    """Return the JSON body of a dial request."""
    desired = callback.desired_time.isoformat() if callback.desired_time else None
    return {
        "dial_key": dial_key,
        "callback": {
            "id": str(callback.id),
            "queue_id": queue.id,
            "queue_name": queue.name,
            "phone_number": callback.customer_number,
            "alternate_number": callback.alternate_number,
            "first_name": callback.first_name,
            "last_name": callback.last_name,
            "company": callback.company,
            "description": callback.description,
            "customer_id": callback.customer_id,
            "language": callback.language,
            "desired_time": desired,
            "attempt": callback.attempts + 1,
            "properties": callback.properties,
        },
    }


#: failures with no usable answer: what to call them, and whether the far side may have the
#: request; the first matching class wins, so subclasses come before their bases
FAILURES: tuple[tuple[type[BaseException], str, bool], ...] = (
    (aiohttp.ConnectionTimeoutError, "connect timeout", False),
    (aiohttp.ClientConnectorError, "connection failed", False),
    (aiohttp.InvalidURL, "invalid URL", False),
    (aiohttp.SocketTimeoutError, "read timeout", True),
    (TimeoutError, "timeout", True),
    (aiohttp.ServerDisconnectedError, "connection closed without an answer", True),
    (aiohttp.ClientPayloadError, "answer cut short", True),
    (aiohttp.ClientOSError, "connection reset or read error", True),
)


def _failure(exc: BaseException, timeout_seconds: float) -> Delivery:
    """Describe a request that got no usable answer: a transient failure, maybe ambiguous."""
    name, ambiguous = next(
        ((text, maybe_sent) for kind, text, maybe_sent in FAILURES if isinstance(exc, kind)),
        ("request failed", True),
    )
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) and not str(exc):
        reason = f"no answer within {timeout_seconds:g} s"
    detail = f"{name}: {reason}"[:DETAIL_CHARS]
    return Delivery(DeliveryStatus.TRANSIENT, detail, ambiguous=ambiguous)


class WebhookTelephony:
    """Hands due callbacks to an ACD or dialer by a signed JSON POST to one URL."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout_seconds: float = 5.0,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 32,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"the webhook URL must be http(s)://host/...: {url!r}")
        if not secret:
            raise ValueError("the webhook secret must not be empty")
        if not timeout_seconds > 0:
            raise ValueError("timeout_seconds must be positive")
        self.url = url
        self._secret = secret
        self.timeout_seconds = float(timeout_seconds)
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=self.timeout_seconds, sock_read=self.timeout_seconds
        )
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
                connector=connector, timeout=self._timeout, trust_env=False
            )
        return self._session

    def signed_headers(self, body: bytes, dial_key: str, *, now: float) -> dict[str, str]:
        """Return the headers of a dial request carrying `body`, signed at `now`."""
        timestamp = int(now)
        return {
            "Content-Type": "application/json",
            "Idempotency-Key": dial_key,
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.sign(self._secret, timestamp, body),
            "User-Agent": f"ringback/{ringback.__version__}",
        }

    async def deliver(self, callback: Callback, queue: Queue, dial_key: str) -> Delivery:
        """POST the callback; map the answer, or the failure, to a Delivery (never raises)."""
        body = json.dumps(
            payload(callback, queue, dial_key), separators=(",", ":"), default=str
        ).encode()
        headers = self.signed_headers(body, dial_key, now=time.time())
        async with self._gate:
            try:
                async with asyncio.timeout(self.timeout_seconds):
                    return await self._post(body, headers)
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                return _failure(exc, self.timeout_seconds)

    async def _post(self, body: bytes, headers: dict[str, str]) -> Delivery:
        request = self._client().post(self.url, data=body, headers=headers, allow_redirects=False)
        async with request as response:
            excerpt = await _read_excerpt(response)
        status = classify(response.status)
        detail = f"HTTP {response.status} {response.reason or ''}".strip()
        if excerpt:
            detail = f"{detail}: {excerpt}"
        ambiguous = response.status in AMBIGUOUS_CODES
        return Delivery(status, detail[:DETAIL_CHARS], ambiguous=ambiguous)

    async def queue_stats(self, queue: Queue) -> QueueStats | None:
        """Return None: a webhook cannot tell how a queue stands."""
        return None

    async def aclose(self) -> None:
        """Close the HTTP session if this adapter created it."""
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None


async def _read_excerpt(response: aiohttp.ClientResponse) -> str:
    """Read at most MAX_ANSWER_BYTES of the answer and return its start as one line of text."""
    data = await response.content.read(MAX_ANSWER_BYTES)
    text = data[: DETAIL_CHARS * 4].decode("utf-8", "replace")
    return " ".join(text.split())[:DETAIL_CHARS]
