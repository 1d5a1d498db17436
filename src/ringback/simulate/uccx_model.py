"""The UCCX simulator's contact center: CSQs, their agents and the contacts queued in them.

Pure state, no I/O: the HTTP side (`ringback.simulate.uccx`) calls `advance(now)` on a tick and on
every request, and learns through `on_connect` which contact an agent took. Times are epoch
seconds, because a contact's queue time travels to ringback as `queuestarttime` (epoch ms).

Routing is UCCX's: a ready agent takes the head of its CSQ, `route_delay_seconds` after becoming
ready (the time UCCX takes to reserve and ring an agent; while it runs, /stats shows the agent
Ready *and* the contact waiting, which is what ringback's position rule looks at). A callback that
ringback sent back is the head: ringback only sends one back once it has waited longer than every
live caller, and the re-entering script gives it that place (getcontactpositionoffset).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Agent:
    """One agent of a CSQ: ready, or talking until `busy_until`."""

    name: str
    busy_until: float | None = None
    #: when the agent last became ready (routing waits route_delay_seconds from then)
    ready_since: float = 0.0
    talking_to: str = ""

    def is_ready(self, now: float) -> bool:
        """Tell whether the agent is free at `now`."""
        return self.busy_until is None or self.busy_until <= now


@dataclass(slots=True)
class Contact:
    """A contact queued in a CSQ: a live caller, or a callback ringback sent back."""

    session_id: str
    csq: str
    queued_at: float
    #: the Callback Server record id when this contact is a callback re-entered by the trigger
    record_id: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def is_callback(self) -> bool:
        """Tell whether ringback sent this contact back."""
        return bool(self.record_id)


@dataclass(slots=True)
class Csq:
    """A CSQ: its agents and its queued contacts, in arrival order."""

    name: str
    agents: list[Agent]
    waiting: list[Contact] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CsqFigures:
    """What /stats?CSQ= shows: the document's CSQStats elements."""

    logged_in: int
    talking: int
    ready: int
    not_ready: int
    work: int
    calls_waiting: int
    longest_queue_time: int
    total_in_queue: int


ConnectHook = Callable[[Contact, Agent, float], None]


class ContactCenter:
    """The CSQs of the simulated UCCX and its routing."""

    def __init__(
        self,
        agents_per_csq: dict[str, int],
        *,
        handle_seconds: float,
        route_delay_seconds: float,
        on_connect: ConnectHook | None = None,
    ) -> None:
        self.csqs = {
            name: Csq(name, [Agent(f"{name.lower()}-agent{i}") for i in range(1, count + 1)])
            for name, count in agents_per_csq.items()
        }
        self.handle_seconds = handle_seconds
        self.route_delay_seconds = route_delay_seconds
        self.on_connect = on_connect

    def queue(self, contact: Contact) -> None:
        """Put a contact in its CSQ's queue (the CSQ must exist)."""
        self.csqs[contact.csq].waiting.append(contact)

    def leave(self, session_id: str) -> Contact | None:
        """Take a waiting contact out of its queue (the caller hung up); None when not queued."""
        for csq in self.csqs.values():
            for contact in csq.waiting:
                if contact.session_id == session_id:
                    csq.waiting.remove(contact)
                    return contact
        return None

    def queued_in(self, session_id: str) -> str:
        """Return the CSQ the contact with this session id waits in, or "" when none."""
        for csq in self.csqs.values():
            if any(contact.session_id == session_id for contact in csq.waiting):
                return csq.name
        return ""

    def release(self, agent_name: str, now: float) -> None:
        """End an agent's call now (the caller abandoned): the agent is ready again."""
        for csq in self.csqs.values():
            for agent in csq.agents:
                if agent.name == agent_name and not agent.is_ready(now):
                    agent.busy_until, agent.ready_since, agent.talking_to = now, now, ""

    def advance(self, now: float) -> None:
        """Free the agents whose calls ended, then route the heads of the queues."""
        for csq in self.csqs.values():
            for agent in csq.agents:
                if agent.busy_until is not None and agent.busy_until <= now:
                    agent.ready_since, agent.busy_until, agent.talking_to = (
                        agent.busy_until,
                        None,
                        "",
                    )
            self._route(csq, now)

    def _route(self, csq: Csq, now: float) -> None:
        for agent in sorted(csq.agents, key=lambda a: a.ready_since):
            if not csq.waiting:
                return
            if agent.is_ready(now) and agent.ready_since + self.route_delay_seconds <= now:
                contact = _head(csq.waiting)
                csq.waiting.remove(contact)
                agent.busy_until, agent.talking_to = now + self.handle_seconds, contact.session_id
                if self.on_connect is not None:
                    self.on_connect(contact, agent, now)

    def figures(self, name: str, now: float) -> CsqFigures | None:
        """Return a CSQ's live figures, or None when it does not exist."""
        csq = self.csqs.get(name)
        if csq is None:
            return None
        ready = sum(1 for agent in csq.agents if agent.is_ready(now))
        longest = max((now - c.queued_at for c in csq.waiting), default=0.0)
        return CsqFigures(
            logged_in=len(csq.agents), talking=len(csq.agents) - ready, ready=ready,
            not_ready=0, work=0, calls_waiting=len(csq.waiting),
            longest_queue_time=int(max(longest, 0.0)), total_in_queue=len(csq.waiting),
        )  # fmt: skip

    def snapshot(self, now: float) -> dict[str, Any]:
        """Return every CSQ's agents and queue as JSON values."""
        return {
            csq.name: {
                "agents": [
                    {"name": a.name, "ready": a.is_ready(now), "talking_to": a.talking_to}
                    for a in csq.agents
                ],
                "waiting": [
                    {"sessionid": c.session_id, "queued_at": c.queued_at, "record_id": c.record_id}
                    for c in csq.waiting
                ],
            }
            for csq in self.csqs.values()
        }


def _head(waiting: list[Contact]) -> Contact:
    """The contact routed next: a callback sent back first, then the longest-waiting caller."""
    return min(waiting, key=lambda c: (not c.is_callback, c.queued_at))
