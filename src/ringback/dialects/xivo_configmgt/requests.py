"""Adding callback requests to a list: one (JSON) or many (a CSV import), through the engine.

A request is a ringback callback with a list, a due date and a preferred period, created by the
engine's CallbackService: it waits for an agent (CCAgent's take/start), so the engine stores it
`scheduled`, with no dial time, no expiry and no capacity place, and applies the queue's number
policy and dedup limit to it as to any callback. This module keeps only XiVO's own checks: the
phone number is required, names and texts have XiVO's lengths, and a period is named.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from ringback.dialects.xivo_configmgt.model import CallbackList, Period
from ringback.dialects.xivo_configmgt.service import XivoStore, visible_list
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.services.callbacks import BatchRefused, CallbackService, NewCallback

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


class ImportRefused(errors.Invalid):
    """An import was refused as a whole; `lines` says which lines were wrong and why."""

    error_id = "import_refused"

    def __init__(self, lines: Sequence[LineError]) -> None:
        first = lines[0]
        super().__init__(
            f"{len(lines)} line(s) refused, nothing imported; line {first.line}: {first.reason}",
            field="csv",
        )
        self.lines = list(lines)


class RequestService:
    """Adds requests to the lists of the actor's queues."""

    def __init__(self, store: XivoStore, callbacks: CallbackService) -> None:
        self._store = store
        self._callbacks = callbacks

    def create_request(self, actor: Principal, list_id: UUID, fields: RequestFields) -> Callback:
        """Add one request to a list."""
        target, periods = self._target(actor, list_id)
        try:
            request = new_request(target, periods, fields)
        except errors.Invalid:
            # the engine's word on the queue comes first, as it always did: a queue that takes
            # no callbacks answers so whatever the request holds
            self._callbacks.check_many(actor, target.queue_id, [])
            raise
        return self._callbacks.create(actor, request)

    def import_requests(
        self,
        actor: Principal,
        list_id: UUID,
        lines: Sequence[tuple[int, RequestFields]],
        unreadable: Sequence[LineError] = (),
    ) -> int:
        """Add every line's request to a list, or none: each refused line is reported.

        `unreadable` are the lines the wire could not even split; they refuse the import too.
        """
        target, periods = self._target(actor, list_id)
        numbered: list[int] = []
        requests: list[NewCallback] = []
        problems = list(unreadable)
        for line, fields in lines:
            try:
                requests.append(new_request(target, periods, fields))
            except errors.Invalid as exc:
                problems.append(LineError(line, exc.message))
                continue
            numbered.append(line)
        if problems:  # refused already: the engine only tells what else it would refuse
            refusals = self._callbacks.check_many(actor, target.queue_id, requests)
        else:
            try:
                return len(self._callbacks.create_many(actor, target.queue_id, requests))
            except BatchRefused as refused:
                refusals = refused.refusals
        problems += [LineError(numbered[refusal.index], refusal.reason) for refusal in refusals]
        raise ImportRefused(sorted(problems, key=lambda problem: problem.line))

    def _target(self, actor: Principal, list_id: UUID) -> tuple[CallbackList, Periods]:
        with self._store.transaction(read_only=True) as tx:
            return visible_list(tx, actor, list_id), Periods(tx.xivo.periods())


class Periods:
    """The preferred periods a request may name, and the default one."""

    def __init__(self, periods: Sequence[Period]) -> None:
        self._by_name = {period.name: period for period in periods}
        self._default = next((period for period in periods if period.default), None)

    def named(self, name: str | None) -> Period | None:
        """Return the period a request names; the default one when it names none."""
        if not name:
            return self._default
        period = self._by_name.get(name)
        if period is None:
            raise errors.Invalid(f"period {name!r} does not exist", field="period")
        return period


def new_request(target: CallbackList, periods: Periods, fields: RequestFields) -> NewCallback:
    """Return what the engine is asked to create for one request, or raise errors.Invalid."""
    if not fields.phone_number:
        raise errors.Invalid("phoneNumber is required", field="phoneNumber")
    period = periods.named(fields.period)
    return NewCallback(
        queue_id=target.queue_id,
        phone_number=fields.phone_number,
        alternate_number=fields.mobile_phone_number or "",
        first_name=_text(fields.first_name, "firstName", MAX_NAME),
        last_name=_text(fields.last_name, "lastName", MAX_NAME),
        company=_text(fields.company, "company", MAX_NAME),
        description=_text(fields.description, "description", MAX_DESCRIPTION),
        due_date=fields.due_date,
        list_id=target.uuid,
        period_id=period.uuid if period else None,
        waits_for_agent=True,
    )


def _text(value: str | None, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:
        raise errors.Invalid(f"{field} must be text of at most {limit} characters, without NUL",
                             field=field)  # fmt: skip
    return value
