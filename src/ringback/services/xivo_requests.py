"""Admitting XiVO callback requests: the checks of one request, applied to one or to many.

A request is a ringback callback with a list, a due date and a preferred period. It waits for an
agent (CCAgent's take/start), so it is stored `scheduled` with no next action time and no expiry:
the dispatcher leaves it alone until an agent starts it. The number policy and the dedup limit
are the queue's, as for every callback; dedup is counted for a whole batch in two statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ringback.domain import errors
from ringback.domain.callbacks import Callback, record
from ringback.domain.hours import zone
from ringback.domain.lists import CallbackList, Period
from ringback.domain.numbers import normalize_number
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import State
from ringback.services.xivo_ports import XivoTransaction

MAX_NAME = 128
MAX_DESCRIPTION = 2000


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestFields:
    """What a client gives for one request (JSON body or one CSV line)."""

    phone_number: str | None = None
    mobile_phone_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    description: str | None = None
    due_date: date | None = None
    period: str | None = None


@dataclass(frozen=True, slots=True)
class LineError:
    """Why one line of an import was refused."""

    line: int
    reason: str


class Admission:
    """Builds the callbacks of one list's new requests inside one unit of work."""

    def __init__(self, tx: XivoTransaction, queue: Queue, target: CallbackList) -> None:
        self._tx = tx
        self._queue = queue
        self._list = target
        self._periods = {p.name: p for p in tx.xivo.periods()}
        self._default = next((p for p in self._periods.values() if p.default), None)

    def build(self, fields: RequestFields, *, now: datetime, actor: Principal) -> Callback:
        """Return the callback of one request, or raise errors.Invalid naming the bad field."""
        queue = self._queue
        if not fields.phone_number:
            raise errors.Invalid("phoneNumber is required", field="phoneNumber")
        number = normalize_number(fields.phone_number, queue.numbers, field="phoneNumber")
        mobile = ""
        if fields.mobile_phone_number:
            mobile = normalize_number(
                fields.mobile_phone_number, queue.numbers, field="mobilePhoneNumber"
            )
        period = self._period(fields.period)
        return Callback(
            id=uuid.uuid4(),
            queue_id=queue.id,
            customer_number=number,
            state=State.SCHEDULED,
            created_at=now,
            updated_at=now,
            list_id=self._list.uuid,
            period_id=period.uuid if period else None,
            alternate_number=mobile,
            first_name=_text(fields.first_name, "firstName", MAX_NAME),
            last_name=_text(fields.last_name, "lastName", MAX_NAME),
            company=_text(fields.company, "company", MAX_NAME),
            description=_text(fields.description, "description", MAX_DESCRIPTION),
            queue_start_time=now,
            due_date=fields.due_date or now.astimezone(zone(queue.timezone)).date(),
            created_by=actor.name,
        )

    def check_dedup(self, requests: Sequence[Callback]) -> list[tuple[int, str]]:
        """Return (index, reason) of the requests that would pass the queue's dedup limit."""
        limit = self._queue.settings.dedup.limit
        if limit is None or not requests:
            return []
        numbers = [r.customer_number for r in requests]
        self._tx.xivo.lock_numbers(self._queue.id, numbers)
        counts = self._tx.xivo.open_counts(self._queue.id, numbers)
        refused = []
        for index, number in enumerate(numbers):
            already = counts.get(number, 0)
            if already >= limit:
                refused.append((index, _dedup_reason(number, already, self._queue)))
                continue
            counts[number] = already + 1
        return refused

    def store(self, requests: Sequence[Callback], actor: Principal) -> None:
        """Insert the requests and their creation events."""
        self._tx.xivo.add_requests(requests)
        self._tx.events.append_many(
            [record(None, r, event="create", actor=actor.name, dialect="xivo") for r in requests]
        )

    def _period(self, name: str | None) -> Period | None:
        if not name:
            return self._default
        period = self._periods.get(name)
        if period is None:
            raise errors.Invalid(f"period {name!r} does not exist", field="period")
        return period


def check_open(queue: Queue) -> None:
    """Refuse new requests for a queue that does not accept callbacks."""
    if not queue.settings.accepting_callbacks:
        raise errors.Closed(f"queue {queue.name} does not accept callbacks", reason="disabled")


def _text(value: str | None, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise errors.Invalid(f"{field} must be text of at most {limit} characters, without NUL",
                             field=field)  # fmt: skip
    return value


def _dedup_reason(number: str, already: int, queue: Queue) -> str:
    return f"number {number} already has {already} open callbacks in queue {queue.name}"
