"""Phone control (xuc 1.0's dial, DND, forwards, agent login): a port of its own.

The dispatch adapters (webhook, UCCX) cannot carry these; the phone simulator implements it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class ForwardKind(StrEnum):
    """The three forwards of a line."""

    UNCONDITIONAL = "unc"
    NO_ANSWER = "na"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Forward:
    """One forward: on or off, and where it sends calls."""

    enabled: bool = False
    destination: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallRequest:
    """A call the telephony side is asked to place."""

    src_number: str
    dst_number: str
    queue_id: int | None = None
    caller_id_name: str = ""
    caller_id_number: str = ""
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallPlan:
    """What the telephony side did with a call: how long it rang, whether and how long it talked."""

    ring_seconds: float
    answered: bool
    talk_seconds: float = 0.0


class PhoneControl(Protocol):
    """Phone control on the telephony side (lines, calls, agents); raises errors.Unavailable."""

    def place_call(self, request: CallRequest) -> CallPlan:
        """Place a call and tell how it went: rang for how long, answered or not, talked."""
        ...

    def set_dnd(self, line: str, enabled: bool) -> None:
        """Turn do-not-disturb on or off on a line."""
        ...

    def set_forward(self, line: str, kind: ForwardKind, forward: Forward) -> None:
        """Set one forward of a line."""
        ...

    def agent_login(self, agent_number: str, phone_number: str) -> None:
        """Log an agent in on a phone."""
        ...

    def agent_logout(self, agent_number: str, phone_number: str) -> None:
        """Log an agent out of its phone."""
        ...

    def set_pause(self, agent_number: str, paused: bool) -> None:
        """Pause an agent or make it ready."""
        ...
