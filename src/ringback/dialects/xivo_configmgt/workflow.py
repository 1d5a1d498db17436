"""What XiVO's CCAgent does with a callback request: take, release, start, close, reschedule.

The moves of the request are the engine's (services/callbacks/agent_work.py); this module adds
what only XiVO has, in the same unit of work: the tickets.
- start opens a ticket (start date, agent); the engine hands the request to the dispatcher,
  due now and reserved for that agent.
- close gives the ticket its status and comment; the request ends (clotured): completed when
  the customer was reached (Answered, Email), failed otherwise (NoAnswer, Fax).
- reschedule closes the open ticket (if any) with status Callback; the request gets a new due
  date and/or period and waits for an agent again.
- a request whose ticket is open is started: nobody may take it again.
The event-log lines keep XiVO's names (`xivo:take`, `xivo:start`...).
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date
from uuid import UUID

from ringback.dialects.xivo_configmgt.model import REACHED_STATUSES, Ticket, TicketStatus
from ringback.dialects.xivo_configmgt.service import XivoStore, XivoTransaction
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Principal
from ringback.domain.states import Reason
from ringback.services.callbacks import agent_work, moves
from ringback.services.ports import Clock

LOG_PREFIX = "xivo:"
FAILED_REASON = {TicketStatus.NO_ANSWER: Reason.NO_ANSWER, TicketStatus.FAX: Reason.INVALID_NUMBER}


@dataclasses.dataclass(frozen=True, slots=True)
class TicketLine:
    """A ticket with the request it belongs to, for listings and the CSV export."""

    ticket: Ticket
    request: Callback


class WorkflowService:
    """The agent's workflow on callback requests, with its tickets."""

    def __init__(self, store: XivoStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def take(self, actor: Principal, request_id: UUID, agent_id: int) -> Callback:
        """Lock a request for an agent of its queue."""
        with self._store.transaction() as tx:
            request = _request(tx, actor, request_id)
            started = tx.xivo.open_ticket(request.id) is not None
            return agent_work.take(tx, self._clock.now(), actor, request, agent_id,
                                   started=started, log_prefix=LOG_PREFIX)  # fmt: skip

    def release(self, actor: Principal, request_id: UUID, agent_id: int) -> Callback:
        """Give back a request the agent took and did not start."""
        with self._store.transaction() as tx:
            request = _request(tx, actor, request_id)
            return agent_work.release(tx, self._clock.now(), actor, request, agent_id,
                                      log_prefix=LOG_PREFIX)  # fmt: skip

    def start(self, actor: Principal, request_id: UUID, agent_id: int) -> Ticket:
        """Open a ticket and hand the request to the dispatcher, due now for this agent."""
        with self._store.transaction() as tx:
            request = _request(tx, actor, request_id)
            now, ticket_id = self._clock.now(), uuid.uuid4()
            started, agent = agent_work.start(
                tx, now, actor, request, agent_id, log_prefix=LOG_PREFIX, ticket=str(ticket_id)
            )
            ticket = Ticket(ticket_id, started.id, started.list_id, agent.id, agent.number,
                            started_at=now, updated_at=now)  # fmt: skip
            tx.xivo.add_ticket(ticket)
        return ticket

    def close(
        self, actor: Principal, request_id: UUID, agent_id: int, status: TicketStatus, comment: str
    ) -> Ticket:
        """Sum the started attempt up; the request ends (clotured)."""
        with self._store.transaction() as tx:
            request = _request(tx, actor, request_id)
            ticket = _open_ticket(tx, request, agent_id)
            now = self._clock.now()
            agent_work.close(
                tx, now, actor, request, agent_id, reached=status in REACHED_STATUSES,
                reason=FAILED_REASON.get(status, Reason.FAILED), log_prefix=LOG_PREFIX,
                status=status.value,
            )  # fmt: skip
            closed = dataclasses.replace(
                ticket, status=status, comment=comment, updated_at=now, closed_at=now
            )
            tx.xivo.update_ticket(closed)
        return closed

    def reschedule(
        self, actor: Principal, request_id: UUID, *, agent_id: int | None, due_date: date | None,
        period_name: str | None, comment: str = "",
    ) -> Callback:  # fmt: skip
        """Give a request a new due date and/or period; it waits for an agent again."""
        if due_date is None and not period_name:
            raise errors.Invalid("dueDate or period is required", field="dueDate")
        with self._store.transaction() as tx:
            request = _request(tx, actor, request_id)
            agent_work.require_postponable(request, agent_id)
            period_id = _period_id(tx, period_name) if period_name else None
            now = self._clock.now()
            ticket = tx.xivo.open_ticket(request.id)
            if ticket is not None:
                tx.xivo.update_ticket(dataclasses.replace(
                    ticket, status=TicketStatus.CALLBACK, comment=comment, updated_at=now,
                    closed_at=now,
                ))  # fmt: skip
            return agent_work.postpone(tx, now, actor, request, agent_id, due_date=due_date,
                                       period_id=period_id, log_prefix=LOG_PREFIX)  # fmt: skip

    def tickets(self, actor: Principal, list_id: UUID) -> list[TicketLine]:
        """Return the tickets of a visible list, oldest first."""
        with self._store.transaction(read_only=True) as tx:
            found = tx.xivo.get_list(list_id)
            if found is None or not actor.may_see_queue(found.queue_id):
                raise errors.NotFound(f"callback list {list_id} does not exist",
                                      kind="CallbackList")  # fmt: skip
            return [TicketLine(t, r) for t, r in tx.xivo.tickets_of_list(list_id)]


def _request(tx: XivoTransaction, actor: Principal, request_id: UUID) -> Callback:
    """Read a visible request (a callback of a list) for a change, holding its row."""
    try:
        request = moves.locked(tx, actor, request_id)
    except errors.NotFound:
        request = None
    if request is None or request.list_id is None:
        raise errors.NotFound(f"callback request {request_id} does not exist",
                              kind="CallbackRequest")  # fmt: skip
    return request


def _open_ticket(tx: XivoTransaction, request: Callback, agent_id: int) -> Ticket:
    ticket = tx.xivo.open_ticket(request.id)
    if ticket is None or ticket.agent_id != agent_id:
        raise errors.Conflict(
            f"agent {agent_id} has not started callback request {request.id}: start it first"
        )
    return ticket


def _period_id(tx: XivoTransaction, name: str) -> UUID:
    period = tx.xivo.period_named(name)
    if period is None:
        raise errors.Invalid(f"period {name!r} does not exist", field="period")
    return period.uuid
