"""What XiVO's CCAgent does with a callback request: take, release, start, close, reschedule.

- take: the agent locks the request (`reserved`, owner agent set); nobody else may take it.
- release: the agent lets it go untouched (back to waiting, with no next action time).
- start: a ticket is opened (start date, agent) and the request is handed to the dispatcher,
  due now and reserved for that agent: telephony dials it through the normal dispatch path.
- close: the ticket gets its status and comment; the request ends (clotured): completed when
  the customer was reached (Answered, Email), failed otherwise (NoAnswer, Fax).
- reschedule: the ticket (if any) is closed with status Callback; the request gets a new due
  date and/or period and waits for an agent again.
Every change of state goes through the transition table and the event log.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback, record
from ringback.domain.lists import (
    REACHED_STATUSES,
    Ticket,
    TicketStatus,
)
from ringback.domain.people import Agent, Principal
from ringback.domain.states import IN_ATTEMPT, Event, Reason, State
from ringback.services.ports import Clock
from ringback.services.xivo_ports import XivoStore, XivoTransaction

ACTOR_PREFIX = "xivo"
FAILED_REASON = {TicketStatus.NO_ANSWER: Reason.NO_ANSWER, TicketStatus.FAX: Reason.INVALID_NUMBER}


@dataclasses.dataclass(frozen=True, slots=True)
class TicketLine:
    """A ticket with the request it belongs to, for listings and the CSV export."""

    ticket: Ticket
    request: Callback


class XivoAgentService:
    """The agent's workflow on callback requests."""

    def __init__(self, store: XivoStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def take(self, actor: Principal, request_id: UUID, agent_id: int) -> Callback:
        """Lock a request for an agent of its queue."""
        with self._store.transaction() as tx:
            request = _visible(tx, actor, request_id)
            _member(tx, actor, agent_id, request)
            if request.owner_agent_id == agent_id and request.state is State.RESERVED:
                return request  # taking twice is harmless
            _not_held_by_another(request, agent_id)
            if tx.xivo.open_ticket(request.id) is not None:
                raise errors.Conflict(f"callback request {request_id} is started already")
            after = request.apply(Event.RESERVE, now=self._clock.now(), owner_agent_id=agent_id)
            return _save(tx, request, after, "take", actor, agent_id=agent_id)

    def release(self, actor: Principal, request_id: UUID, agent_id: int) -> Callback:
        """Give back a request the agent took and did not start."""
        with self._store.transaction() as tx:
            request = _held(tx, actor, request_id, agent_id)
            after = request.apply(
                Event.RELEASE, now=self._clock.now(), owner_agent_id=None, next_action_at=None
            )
            return _save(tx, request, after, "release", actor, agent_id=agent_id)

    def start(self, actor: Principal, request_id: UUID, agent_id: int) -> Ticket:
        """Open a ticket and hand the request to the dispatcher, due now for this agent."""
        with self._store.transaction() as tx:
            request = _held(tx, actor, request_id, agent_id)
            agent = _member(tx, actor, agent_id, request)
            now = self._clock.now()
            ticket = Ticket(uuid.uuid4(), request.id, request.list_id, agent.id, agent.number,
                            started_at=now, updated_at=now)  # fmt: skip
            # RELEASE keeps the owner: the dispatcher delivers it reserved for that agent.
            after = request.apply(Event.RELEASE, now=now, next_action_at=now)
            _save(tx, request, after, "start", actor, agent_id=agent_id, ticket=str(ticket.uuid))
            tx.xivo.add_ticket(ticket)
        return ticket

    def close(
        self, actor: Principal, request_id: UUID, agent_id: int, status: TicketStatus, comment: str
    ) -> Ticket:
        """Sum the started attempt up; the request ends (clotured)."""
        with self._store.transaction() as tx:
            request = _visible(tx, actor, request_id)
            ticket = _open_ticket(tx, request, agent_id)
            now = self._clock.now()
            if request.is_open:
                after = _ended(request, status, now)
                _save(tx, request, after, "close", actor, agent_id=agent_id, status=status.value)
            closed = dataclasses.replace(
                ticket, status=status, comment=comment, updated_at=now, closed_at=now
            )
            tx.xivo.update_ticket(closed)
        return closed

    def reschedule(
        self,
        actor: Principal,
        request_id: UUID,
        *,
        agent_id: int | None,
        due_date: date | None,
        period_name: str | None,
        comment: str = "",
    ) -> Callback:
        """Give a request a new due date and/or period; it waits for an agent again."""
        if due_date is None and not period_name:
            raise errors.Invalid("dueDate or period is required", field="dueDate")
        with self._store.transaction() as tx:
            request = _visible(tx, actor, request_id)
            _may_reschedule(request, agent_id)
            period_id = _period_id(tx, period_name) if period_name else request.period_id
            now = self._clock.now()
            ticket = tx.xivo.open_ticket(request.id)
            if ticket is not None:
                tx.xivo.update_ticket(dataclasses.replace(
                    ticket, status=TicketStatus.CALLBACK, comment=comment, updated_at=now,
                    closed_at=now,
                ))  # fmt: skip
            changes = {"due_date": due_date or request.due_date, "period_id": period_id}
            return _postpone(tx, request, actor, changes, now)

    def tickets(self, actor: Principal, list_id: UUID) -> list[TicketLine]:
        """Return the tickets of a visible list, oldest first."""
        with self._store.transaction(read_only=True) as tx:
            found = tx.xivo.get_list(list_id)
            if found is None or not actor.may_see_queue(found.queue_id):
                raise errors.NotFound(f"callback list {list_id} does not exist",
                                      kind="CallbackList")  # fmt: skip
            return [TicketLine(t, r) for t, r in tx.xivo.tickets_of_list(list_id)]


def _ended(request: Callback, status: TicketStatus, now: datetime) -> Callback:
    attempts = request.attempts + (1 if request.state in IN_ATTEMPT else 0)
    if status in REACHED_STATUSES:
        return request.apply(
            Event.COMPLETE, now=now, reason=Reason.COMPLETED, attempts=attempts,
            completed_at=now, lease=None,
        )  # fmt: skip
    return request.apply(
        Event.GIVE_UP, now=now, reason=FAILED_REASON.get(status, Reason.FAILED),
        attempts=attempts, completed_at=now, lease=None,
    )  # fmt: skip


def _postpone(
    tx: XivoTransaction,
    request: Callback,
    actor: Principal,
    changes: dict[str, Any],
    now: datetime,
) -> Callback:
    """Walk the request back to `scheduled` by legal transitions, one event-log line each."""
    steps: list[tuple[Event, str, dict[str, Any]]] = []
    if request.state is State.RESERVED:
        steps.append((Event.RELEASE, "release", {}))
    elif request.state in IN_ATTEMPT:  # the started attempt is over: the next one gets a new key
        steps.append((Event.RETRY, "retry", {"attempts": request.attempts + 1,
                                             "slot": request.slot + 1}))  # fmt: skip
    steps.append((Event.RESCHEDULE_LATER, "reschedule", changes))
    current = request
    for event, name, extra in steps:
        after = current.apply(
            event, now=now, owner_agent_id=None, next_action_at=None, lease=None, **extra
        )
        current = _save(tx, current, after, name, actor)
    return current


def _visible(tx: XivoTransaction, actor: Principal, request_id: UUID) -> Callback:
    request = tx.callbacks.get(request_id)
    if request is None or request.list_id is None or not actor.may_see_queue(request.queue_id):
        raise errors.NotFound(f"callback request {request_id} does not exist",
                              kind="CallbackRequest")  # fmt: skip
    return request


def _member(tx: XivoTransaction, actor: Principal, agent_id: int, request: Callback) -> Agent:
    agent = tx.agents.get(agent_id)
    # an agent of none of the caller's queues is not found: a supervisor learns nothing of it
    if agent is None or not any(actor.may_see_queue(m.queue_id) for m in agent.queues):
        raise errors.NotFound(f"agent {agent_id} does not exist", kind="Agent")
    if all(member.queue_id != request.queue_id for member in agent.queues):
        raise errors.Forbidden(f"agent {agent_id} is not a member of queue {request.queue_id}")
    return agent


def _not_held_by_another(request: Callback, agent_id: int) -> None:
    if request.owner_agent_id is not None and request.owner_agent_id != agent_id:
        raise errors.Conflict(
            f"callback request {request.id} is taken by agent {request.owner_agent_id}"
        )
    if not request.is_open:
        raise errors.Conflict(f"callback request {request.id} is clotured")


def _held(tx: XivoTransaction, actor: Principal, request_id: UUID, agent_id: int) -> Callback:
    request = _visible(tx, actor, request_id)
    if request.state is not State.RESERVED or request.owner_agent_id != agent_id:
        raise errors.Conflict(f"callback request {request_id} is not taken by agent {agent_id}")
    return request


def _open_ticket(tx: XivoTransaction, request: Callback, agent_id: int) -> Ticket:
    ticket = tx.xivo.open_ticket(request.id)
    if ticket is None or ticket.agent_id != agent_id:
        raise errors.Conflict(
            f"agent {agent_id} has not started callback request {request.id}: start it first"
        )
    return ticket


def _may_reschedule(request: Callback, agent_id: int | None) -> None:
    if not request.is_open:
        raise errors.Conflict(f"callback request {request.id} is clotured")
    if request.owner_agent_id is not None and request.owner_agent_id != agent_id:
        raise errors.Conflict(
            f"callback request {request.id} is taken by agent {request.owner_agent_id}"
        )
    if request.state is State.DISPATCHING:
        raise errors.Conflict(f"callback request {request.id} is being dialled; try again")


def _period_id(tx: XivoTransaction, name: str) -> UUID:
    period = tx.xivo.period_named(name)
    if period is None:
        raise errors.Invalid(f"period {name!r} does not exist", field="period")
    return period.uuid


def _save(
    tx: XivoTransaction,
    before: Callback,
    after: Callback,
    event: str,
    actor: Principal,
    **detail: Any,
) -> Callback:
    """Store `after` if nobody changed `before` meanwhile, with its event-log line."""
    if not tx.callbacks.update(after, expected_version=before.version):
        raise errors.Conflict(f"callback request {after.id} changed meanwhile; try again")
    tx.events.append(
        record(before, after, event=f"{ACTOR_PREFIX}:{event}", actor=actor.name, **detail)
    )
    return after.evolve(version=before.version + 1)
