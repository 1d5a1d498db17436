"""An agent's work on a callback: take it, let it go, start it, sum it up, put it off.

XiVO's CCAgent works its requests this way, and so will the dashboard's agent view:
- take: an agent of the callback's queue reserves it; no other agent may take it then.
- release: the holder lets it go untouched: waiting, with no next action time.
- start: the holder hands it to the dispatcher, due now and still reserved for that agent, so
  that telephony dials it through the normal dispatch path.
- close: the attempt is summed up: completed when the customer was reached, else failed.
- postpone: back to scheduled with a new due date and/or period, by legal transitions.

These are unit-of-work functions: the caller owns the transaction (and may write rows of its
own in it, as XiVO's tickets), reads the callback with `moves.locked`, and gives the prefix of
the event-log lines (`xivo:` keeps XiVO's history as it always was). A refusal is a Conflict
whose `obstacle` detail says which rule refused it, so that each dialect can word it its way.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Agent, Principal
from ringback.domain.states import IN_ATTEMPT, Event, Reason, State
from ringback.services.callbacks.moves import save
from ringback.services.ports import Transaction


class Obstacle(StrEnum):
    """Why the agent's work refuses a step; carried by the Conflict as `obstacle`."""

    TAKEN = "taken"  # another agent holds it (`owner_agent_id`)
    ENDED = "ended"  # it has reached its end
    STARTED = "started"  # its attempt is under way already
    NOT_HELD = "not_held"  # the agent (`agent_id`) does not hold it
    DIALLING = "dialling"  # a dial request is in flight


def _refused(obstacle: Obstacle, message: str, callback: Callback, **ids: Any) -> errors.Conflict:
    """Return the Conflict that refuses a step on `callback` because of `obstacle`."""
    return errors.Conflict(message, obstacle=obstacle, callback_id=callback.id, **ids)


def agent_of_queue(tx: Transaction, actor: Principal, agent_id: int, queue_id: int) -> Agent:
    """Return an agent the actor may see who is a member of the queue."""
    agent = tx.agents.get(agent_id)
    # an agent of none of the actor's queues is not found: a supervisor learns nothing of it
    if agent is None or not any(actor.may_see_queue(m.queue_id) for m in agent.queues):
        raise errors.NotFound(f"agent {agent_id} does not exist", field="agent_id")
    if all(member.queue_id != queue_id for member in agent.queues):
        raise errors.Forbidden(f"agent {agent_id} is not a member of queue {queue_id}")
    return agent


def holds(callback: Callback, agent_id: int) -> bool:
    """Tell whether the agent has taken the callback and not let it go."""
    return callback.state is State.RESERVED and callback.owner_agent_id == agent_id


def require_held(callback: Callback, agent_id: int) -> None:
    """Refuse a step that only the agent holding the callback may take."""
    if not holds(callback, agent_id):
        raise _refused(Obstacle.NOT_HELD, f"callback {callback.id} is not taken by agent "
                      f"{agent_id}", callback, agent_id=agent_id)  # fmt: skip


def require_free(callback: Callback, agent_id: int | None) -> None:
    """Refuse a callback that another agent holds, or that has ended."""
    owner = callback.owner_agent_id
    if owner is not None and owner != agent_id:
        raise _refused(Obstacle.TAKEN, f"callback {callback.id} is taken by agent {owner}",
                      callback, owner_agent_id=owner)  # fmt: skip
    if not callback.is_open:
        raise _refused(Obstacle.ENDED, f"callback {callback.id} has ended "
                      f"({callback.state.value})", callback)  # fmt: skip


def take(
    tx: Transaction, now: datetime, actor: Principal, callback: Callback, agent_id: int, *,
    started: bool = False, log_prefix: str = "",
) -> Callback:  # fmt: skip
    """Reserve a callback for an agent of its queue; taking it twice is harmless.

    `started` says that the caller's own record of the work shows an attempt under way (XiVO:
    an open ticket), which a take must not interrupt.
    """
    agent_of_queue(tx, actor, agent_id, callback.queue_id)
    if holds(callback, agent_id):
        return callback
    require_free(callback, agent_id)
    if started:
        raise _refused(Obstacle.STARTED, f"callback {callback.id} is started already", callback)
    after = callback.apply(Event.RESERVE, now=now, owner_agent_id=agent_id)
    return save(tx, callback, after, event=f"{log_prefix}take", actor=actor.name,
                agent_id=agent_id)  # fmt: skip


def release(
    tx: Transaction, now: datetime, actor: Principal, callback: Callback, agent_id: int, *,
    log_prefix: str = "",
) -> Callback:  # fmt: skip
    """Give back a callback the agent took and did not start: nobody's, and not due."""
    require_held(callback, agent_id)
    after = callback.apply(Event.RELEASE, now=now, owner_agent_id=None, next_action_at=None)
    return save(tx, callback, after, event=f"{log_prefix}release", actor=actor.name,
                agent_id=agent_id)  # fmt: skip


def start(
    tx: Transaction, now: datetime, actor: Principal, callback: Callback, agent_id: int, *,
    log_prefix: str = "", **detail: Any,
) -> tuple[Callback, Agent]:  # fmt: skip
    """Hand a callback the agent holds to the dispatcher, due now; return it and the agent.

    `detail` goes to the event-log line (XiVO names its ticket there).
    """
    require_held(callback, agent_id)
    agent = agent_of_queue(tx, actor, agent_id, callback.queue_id)
    # RELEASE keeps the owner: the dispatcher delivers it reserved for that agent.
    after = callback.apply(Event.RELEASE, now=now, next_action_at=now)
    saved = save(tx, callback, after, event=f"{log_prefix}start", actor=actor.name,
                 agent_id=agent_id, **detail)  # fmt: skip
    return saved, agent


def close(
    tx: Transaction, now: datetime, actor: Principal, callback: Callback, agent_id: int, *,
    reached: bool, reason: Reason = Reason.FAILED, log_prefix: str = "", **detail: Any,
) -> Callback:  # fmt: skip
    """End a started callback: completed when the customer was reached, else failed (`reason`).

    `agent_id` (who sums the attempt up) and `detail` go to the event-log line. A callback
    that ended meanwhile (telephony completed it, a supervisor cancelled it) stays as it
    ended: there is nothing left to move.
    """
    if not callback.is_open:
        return callback
    attempts = callback.attempts + (1 if callback.state in IN_ATTEMPT else 0)
    if reached:
        after = callback.apply(
            Event.COMPLETE, now=now, reason=Reason.COMPLETED, attempts=attempts,
            completed_at=now, lease=None,
        )  # fmt: skip
    else:
        after = callback.apply(
            Event.GIVE_UP, now=now, reason=reason, attempts=attempts, completed_at=now,
            lease=None,
        )  # fmt: skip
    return save(tx, callback, after, event=f"{log_prefix}close", actor=actor.name,
                agent_id=agent_id, **detail)  # fmt: skip


def require_postponable(callback: Callback, agent_id: int | None) -> None:
    """Refuse to postpone a callback that has ended, that another agent holds, or being dialled.

    Without an agent (`agent_id` None), only a callback nobody holds may be postponed.
    """
    if not callback.is_open:
        raise _refused(Obstacle.ENDED, f"callback {callback.id} has ended "
                      f"({callback.state.value})", callback)  # fmt: skip
    require_free(callback, agent_id)
    if callback.state is State.DISPATCHING:
        raise _refused(Obstacle.DIALLING, f"callback {callback.id} is being dialled; try again",
                      callback)  # fmt: skip


def postpone(
    tx: Transaction, now: datetime, actor: Principal, callback: Callback, agent_id: int | None,
    *, due_date: date | None, period_id: UUID | None, log_prefix: str = "",
) -> Callback:  # fmt: skip
    """Put a callback off to a new due date and/or period (None keeps each); it waits for an
    agent again. It walks back to scheduled by legal transitions, one event-log line each."""
    require_postponable(callback, agent_id)
    steps: list[tuple[Event, str, dict[str, Any]]] = []
    if callback.state is State.RESERVED:
        steps.append((Event.RELEASE, "release", {}))
    elif callback.state in IN_ATTEMPT:  # the attempt under way is over: the next gets a new key
        steps.append((Event.RETRY, "retry", {"attempts": callback.attempts + 1,
                                             "slot": callback.slot + 1}))  # fmt: skip
    changes = {"due_date": due_date or callback.due_date,
               "period_id": period_id or callback.period_id}  # fmt: skip
    steps.append((Event.RESCHEDULE_LATER, "reschedule", changes))
    current = callback
    for event, name, extra in steps:
        after = current.apply(
            event, now=now, owner_agent_id=None, next_action_at=None, lease=None, **extra
        )
        current = save(tx, current, after, event=f"{log_prefix}{name}", actor=actor.name)
    return current
