"""The outbox worker: POSTs each subscription the events it is owed, signed, at least once.

One POST carries a batch `{"events": [...]}`; the cursor moves only after a 2xx answer, so an
event is never skipped and may be sent again after a failure (receivers dedupe on event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import httpx2

from ringback.domain import errors
from ringback.services import signing
from ringback.services.events import event_payload
from ringback.services.webhooks import Batch, OutboxService

log = logging.getLogger("ringback.outbox")
TIMEOUT = httpx2.Timeout(connect=3.0, read=10.0, write=5.0, pool=5.0)


class OutboxWorker:
    """Delivers events to webhook subscriptions until stopped."""

    def __init__(
        self, service: OutboxService, owner: str, *, poll_seconds: float = 1.0,
        client: httpx2.AsyncClient | None = None,
    ) -> None:  # fmt: skip
        self._service = service
        self._owner = owner
        self._poll_seconds = poll_seconds
        self._client = client or httpx2.AsyncClient(timeout=TIMEOUT, follow_redirects=False)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver what is owed, poll, repeat; a database outage only delays delivery."""
        while not stop.is_set():
            try:
                batches = await asyncio.to_thread(self._service.take, self._owner)
                await asyncio.gather(*(self._send(batch) for batch in batches))
            except errors.Unavailable as exc:
                log.warning("outbox paused: %s", exc.message)
                batches = []
            if not batches:
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
