"""xuc events: the JSON messages POSTed to the configured eventUrl, and their delivery feed.

Phone events are written to an outbox table (with the instant each becomes true, so that a
call's later events wait for their moment) in the transaction that causes them; callback
lifecycle events are read from the callback event log after the feed's cursor. The outbox worker
(ringback.notify.outbox) leases the feed, POSTs what is due in order, and backs off on failure
exactly as it does for webhook subscriptions.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from ringback.domain.callbacks import StateChange
from ringback.domain.phones import AgentSession, Call, ForwardKind, PhoneState
from ringback.services.ports import Clock, Transaction
from ringback.services.webhooks import BATCH, LEASE_SECONDS, MAX_BACKOFF_SECONDS

FEED = "eventUrl"

Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A phone event waiting in the outbox."""

    id: int
    username: str | None
    message: Message
    due_at: datetime


@dataclass(frozen=True, slots=True)
class FeedState:
    """Where the eventUrl feed stands: its callback cursor and its failures so far."""

    callback_cursor: int
    failures: int = 0


class XucEventRepository(Protocol):
    """The xuc event outbox and the state of its feed."""

    def add(self, username: str | None, message: Message, due_at: datetime) -> None:
        """Queue one event, to be sent once `due_at` has come."""
        ...

    def due(self, now: datetime, limit: int) -> list[StoredEvent]:
        """Return the events due at `now`, in the order they happen."""
        ...

    def delete(self, event_ids: Sequence[int]) -> None:
        """Drop delivered events."""
        ...

    def ensure_feed(self, name: str, callback_cursor: int) -> None:
        """Create the feed, starting after `callback_cursor`, unless it exists."""
        ...

    def lease_feed(
        self, name: str, *, owner: str, now: datetime, until: datetime
    ) -> FeedState | None:
        """Lease the feed when it is due and not leased by anyone else."""
        ...

    def release_feed(
        self, name: str, *, owner: str, callback_cursor: int, failures: int,
        next_attempt_at: datetime | None, last_error: str,
    ) -> bool:  # fmt: skip
        """Record a delivery's result and drop the lease, if `owner` still holds it."""
        ...


class XucEventTransaction(Transaction, Protocol):
    """A unit of work that also reaches the xuc event outbox."""

    xuc_events: XucEventRepository


class XucEventStore(Protocol):
    """Opens units of work reaching the xuc event outbox."""

    def transaction(
        self, *, read_only: bool = False
    ) -> AbstractContextManager[XucEventTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...


def phone_event(username: str, cti_message: dict[str, Any]) -> Message:
    """Return a PhoneEvent exactly as the xuc document shows it."""
    return {"username": username, "message": {"msgType": "PhoneEvent", "ctiMessage": cti_message}}


def user_config(state: PhoneState) -> Message:
    """Return a user's DND and forwards, as xuc's UserConfigUpdate message names them."""
    unc, na, busy = (state.forward(kind) for kind in _FORWARD_ORDER)
    return {
        "username": state.username,
        "message": {
            "msgType": "UserConfigUpdate",
            "ctiMessage": {
                "dndEnabled": state.dnd,
                "uncFwdEnabled": unc.enabled,
                "uncFwdDestination": unc.destination,
                "naFwdEnabled": na.enabled,
                "naFwdDestination": na.destination,
                "busyFwdEnabled": busy.enabled,
                "busyFwdDestination": busy.destination,
                "lineNumber": state.line,
            },
        },
    }


def agent_state(session: AgentSession, *, logged_in: bool = True) -> Message:
    """Return an agent's state, as xuc's AgentStateEvent names it."""
    name = _AGENT_STATES[(logged_in, session.paused)]
    return {
        "username": session.username,
        "message": {
            "msgType": "AgentStateEvent",
            "ctiMessage": {
                "name": name,
                "agentId": session.agent_id,
                "agentNumber": session.agent_number,
                "phoneNb": session.phone_number,
                "since": session.since.strftime("%Y-%m-%d %H:%M:%S"),
            },
        },
    }


def callback_event(change: StateChange) -> Message:
    """Return a callback's change of state, in the xuc message shape."""
    return {
        "username": None,
        "message": {
            "msgType": "CallbackEvent",
            "ctiMessage": {
                "eventId": change.id,
                "eventType": _callback_event_type(change),
                "callbackId": str(change.callback_id),
                "queueId": change.queue_id,
                "state": change.to_state.value,
                "previousState": change.from_state.value if change.from_state else None,
                "reason": change.reason,
                "actor": change.actor,
                "at": change.at.strftime("%Y-%m-%d %H:%M:%S"),
            },
        },
    }


def _callback_event_type(change: StateChange) -> str:
    return "Callback" + change.to_state.value.capitalize()


def call_events(
    call: Call, caller: PhoneState | None, callee: PhoneState | None
) -> list[tuple[datetime, Message]]:
    """Return a call's PhoneEvents for each party with a line, with the instant each happens."""
    events: list[tuple[datetime, Message]] = []
    rang = call.plan.ring_seconds > 0 or call.plan.answered
    for phone, first in ((caller, "EventDialing"), (callee, "EventRinging")):
        if phone is None or (phone is callee and not rang):
            continue  # a refused call (DND, busy) never rings the callee
        events.append((call.start, _phone_event(call, phone, first)))
        if call.plan.answered:
            events.append((call.answered_at, _phone_event(call, phone, "EventEstablished")))
        events.append((call.end, _phone_event(call, phone, "EventReleased")))
    return sorted(events, key=lambda pair: pair[0])


def current_call_event(call: Call, phone: PhoneState, now: datetime) -> Message:
    """Return the PhoneEvent that says where a user's ongoing call stands at `now`."""
    if call.plan.answered and now >= call.answered_at:
        return _phone_event(call, phone, "EventEstablished")
    outgoing = phone.username == call.src_username
    return _phone_event(call, phone, "EventDialing" if outgoing else "EventRinging")


def _phone_event(call: Call, phone: PhoneState, event_type: str) -> Message:
    outgoing = phone.username == call.src_username and phone.line == call.src_number
    linked_id = _channel_id(call, 0)
    user_data: dict[str, Any] = {"XIVO_USERID": call.src_username or ""}
    if call.queue_id is not None:
        user_data["XIVO_QUEUEID"] = str(call.queue_id)
    if call.caller_id_name:
        user_data["XIVO_CALLERIDNAME"] = call.caller_id_name
    user_data.update({str(k): v for k, v in call.variables.items()})
    return phone_event(
        phone.username,
        {
            "eventType": event_type,
            "DN": phone.line,
            "otherDN": call.dst_number if outgoing else call.src_number,
            "linkedId": linked_id,
            "uniqueId": linked_id if outgoing else _channel_id(call, 1),
            "userData": user_data,
        },
    )


def _channel_id(call: Call, channel: int) -> str:
    """Return an Asterisk-style channel id ("<epoch>.<sequence>"), stable for a call."""
    sequence = int(call.id.replace("-", "")[:5], 16) * 2 + channel
    return f"{int(call.start.timestamp())}.{sequence}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message owed to the eventUrl, and where it came from."""

    message: Message
    at: datetime
    event_id: int | None = None  # a phone event of the outbox
    change_id: int | None = None  # a callback change of the event log


@dataclass(frozen=True, slots=True)
class XucBatch:
    """Messages owed to the eventUrl, in the order they happened."""

    items: list[Outgoing]
    callback_cursor: int
    failures: int


class XucEventFeed:
    """Hands the eventUrl worker what is due and records how far it got."""

    def __init__(self, store: XucEventStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def take(self, owner: str) -> XucBatch | None:
        """Lease the feed if it is due and return what it owes, oldest first.

        A feed created now starts after the newest callback change: it sends what happens next.
        """
        now = self._clock.now()
        until = now + timedelta(seconds=LEASE_SECONDS)
        with self._store.transaction() as tx:
            tx.xuc_events.ensure_feed(FEED, tx.events.last_id())
            feed = tx.xuc_events.lease_feed(FEED, owner=owner, now=now, until=until)
            if feed is None:
                return None
            phone = tx.xuc_events.due(now, BATCH)
            changes = tx.events.after(feed.callback_cursor, limit=BATCH)
        return XucBatch(_merge(phone, changes), feed.callback_cursor, feed.failures)

    def settle(self, owner: str, batch: XucBatch, sent: int, error: str | None) -> None:
        """Forget the first `sent` messages; after an error keep the rest and back off."""
        done = batch.items[:sent]
        cursor = max([batch.callback_cursor] + [i.change_id for i in done if i.change_id])
        failures = batch.failures + 1 if error else 0
        delay = timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2**failures))
        with self._store.transaction() as tx:
            tx.xuc_events.delete([i.event_id for i in done if i.event_id is not None])
            tx.xuc_events.release_feed(
                FEED, owner=owner, callback_cursor=cursor, failures=failures,
                next_attempt_at=self._clock.now() + delay if error else None,
                last_error=(error or "")[:500],
            )  # fmt: skip


def _merge(phone: list[StoredEvent], changes: list[StateChange]) -> list[Outgoing]:
    """Interleave phone events and callback changes by time; each keeps its own order.

    heapq.merge only ever takes the head of an input, so the callback changes stay in id
    order and the cursor can move past exactly the ones sent.
    """
    outbox = [Outgoing(e.message, e.due_at, event_id=e.id) for e in phone]
    log = [Outgoing(callback_event(c), c.at, change_id=c.id) for c in changes]
    return list(heapq.merge(outbox, log, key=lambda item: item.at))


_AGENT_STATES = {
    (True, False): "AgentReady",
    (True, True): "AgentOnPause",
    (False, False): "AgentLoggedOut",
    (False, True): "AgentLoggedOut",
}
_FORWARD_ORDER = (ForwardKind.UNCONDITIONAL, ForwardKind.NO_ANSWER, ForwardKind.BUSY)
