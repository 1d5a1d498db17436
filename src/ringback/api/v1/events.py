"""/api/v1/events: the event log as a feed, as JSON pages or a server-sent event stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ringback.api.auth import Caller
from ringback.api.state import core_of
from ringback.domain.callbacks import StateChange
from ringback.domain.people import Principal
from ringback.services.events import EventService, event_payload

router = APIRouter(prefix="/events", tags=["events"])
POLL_SECONDS = 0.5


def _service(request: Request) -> EventService:
    service: EventService = core_of(request).events
    return service


@router.get("")
def list_events(
    request: Request,
    caller: Caller,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Return the changes after event `after`, oldest first."""
    return [event_payload(c) for c in _service(request).feed(caller, after, limit)]


@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(
    request: Request,
    caller: Caller,
    after: Annotated[int | None, Query(ge=0)] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """Stream every new change as `event: callback`; resumes after Last-Event-ID."""
    service = _service(request)
    cursor = await _start_cursor(service, after, last_event_id)
    async for change in _follow(request, service, caller, cursor):
        yield ServerSentEvent(data=event_payload(change), event="callback", id=str(change.id))


async def _start_cursor(service: EventService, after: int | None, last_event_id: str | None) -> int:
    if last_event_id and last_event_id.isdigit():
        return int(last_event_id)
    if after is not None:
        return after
    return await asyncio.to_thread(service.last_id)


async def _follow(
    request: Request, service: EventService, caller: Principal, cursor: int
) -> AsyncIterator[StateChange]:
    while not await request.is_disconnected():
        changes = await asyncio.to_thread(service.feed, caller, cursor)
        for change in changes:
            cursor = change.id or cursor
            yield change
        if not changes:
            await asyncio.sleep(POLL_SECONDS)
