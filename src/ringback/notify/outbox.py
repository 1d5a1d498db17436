"""The outbox worker: POSTs each subscription the events it is owed, signed, at least once.

One POST carries a batch `{"events": [...]}`; the cursor moves only after a 2xx answer, so an
event is never skipped and may be sent again after a failure (receivers dedupe on event id).
The event feeds of the wings (xuc's eventUrl) ride the same loop, one message per POST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from typing import Any, Generic

import httpx2

from ringback.domain import errors
from ringback.services import signing
from ringback.services.events import event_payload
from ringback.services.ports import Batch as FeedBatch
from ringback.services.ports import EventFeed
from ringback.services.webhooks import Batch, OutboxService

log = logging.getLogger("ringback.outbox")
TIMEOUT = httpx2.Timeout(connect=3.0, read=10.0, write=5.0, pool=5.0)


class OutboxWorker:
    """Delivers events to webhook subscriptions and to the wings' event feeds until stopped."""

    def __init__(
        self, service: OutboxService, owner: str, *, poll_seconds: float = 1.0,
        client: httpx2.AsyncClient | None = None, feeds: Sequence[EventFeed[Any]] = (),
    ) -> None:  # fmt: skip
        self._service = service
        self._owner = owner
        self._poll_seconds = poll_seconds
        self._client = client or httpx2.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        self._feeds = [FeedSender(feed, owner, self._client) for feed in feeds]

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver what is owed, poll, repeat; a database outage only delays delivery."""
        while not stop.is_set():
            busy = False
            try:
                batches = await asyncio.to_thread(self._service.take, self._owner)
                await asyncio.gather(*(self._send(batch) for batch in batches))
                busy = bool(batches)
                for feed in self._feeds:
                    busy = await feed.deliver() or busy
            except errors.Unavailable as exc:
                log.warning("outbox paused: %s", exc.message)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self._poll_seconds)
        await self._client.aclose()

    async def _send(self, batch: Batch) -> None:
        if not batch.events:
            await asyncio.to_thread(self._service.delivered, self._owner, batch)
            return
        error = await self._post(batch)
        if error is None:
            await asyncio.to_thread(self._service.delivered, self._owner, batch)
        else:
            log.info("webhook %s failed: %s", batch.subscription.url, error)
            await asyncio.to_thread(self._service.failed, self._owner, batch, error)

    async def _post(self, batch: Batch) -> str | None:
        body = json.dumps({"events": [event_payload(e) for e in batch.events]}).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            signing.TIMESTAMP_HEADER: str(timestamp),
            signing.SIGNATURE_HEADER: signing.sign(batch.subscription.secret, timestamp, body),
        }
        try:
            response = await self._client.post(
                batch.subscription.url, content=body, headers=headers
            )
        except httpx2.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}"


# The wings' event feeds: one message per POST.
#: how long one lease of a feed may spend POSTing (the xuc feed's lease lasts 60 s)
FEED_SEND_SECONDS = 20.0


class FeedSender(Generic[FeedBatch]):
    """POSTs what an event feed owes to its URL, one JSON message per request, in order.

    It stops at the first failure: what was sent is forgotten, the rest waits for the feed's
    backoff, so messages reach the receiver in order and at least once.
    """

    def __init__(self, feed: EventFeed[FeedBatch], owner: str, client: httpx2.AsyncClient) -> None:
        self._feed = feed
        self._owner = owner
        self._client = client

    async def deliver(self) -> bool:
        """Send what is due; tell whether anything was sent."""
        batch = await asyncio.to_thread(self._feed.take, self._owner)
        if batch is None:
            return False
        sent, error = 0, None
        # Settle well within the feed's lease, or another process could take it and repeat.
        deadline = time.monotonic() + FEED_SEND_SECONDS
        for message in self._feed.messages(batch):
            error = await self._post(message)
            if error is not None:
                log.info("event feed %s failed: %s", self._feed.url, error)
                break
            sent += 1
            if time.monotonic() > deadline:
                break
        await asyncio.to_thread(self._feed.settle, self._owner, batch, sent, error)
        return sent > 0

    async def _post(self, message: dict[str, Any]) -> str | None:
        body = json.dumps(message).encode()
        headers = {"Content-Type": "application/json"}
        secret = self._feed.secret
        if secret:
            timestamp = int(time.time())
            headers[signing.TIMESTAMP_HEADER] = str(timestamp)
            headers[signing.SIGNATURE_HEADER] = signing.sign(secret, timestamp, body)
        try:
            response = await self._client.post(self._feed.url, content=body, headers=headers)
        except httpx2.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
