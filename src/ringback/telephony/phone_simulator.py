"""A simulated PBX behind the PhoneControl port: lines with DND and forwards, agents, calls.

Calls are decided when placed: answered with the configured probability after ringing for the
ring time, talking for the handle time; unanswered calls ring for `no_answer_seconds`. ringback
records the call and its timed events from that plan, so the simulator keeps no timers. What the
PBX was told is mirrored here (the store stays the source of truth) so that tests and the demo
can see that every request reached the telephony side.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

from ringback.services.ports import CallPlan, CallRequest, Forward, ForwardKind


@dataclass(frozen=True, slots=True)
class PhoneSimulatorConfig:
    """How the simulated phones behave."""

    answer_rate: float = 0.8
    ring_seconds: float = 2.0
    no_answer_seconds: float = 15.0
    talk_seconds: float = 20.0
    seed: int | None = None


@dataclass
class _Mirror:
    """What the simulated PBX was told, by line and by agent."""

    dnd: dict[str, bool] = field(default_factory=dict)
    forwards: dict[tuple[str, ForwardKind], Forward] = field(default_factory=dict)
    agents: dict[str, str] = field(default_factory=dict)  # agent number -> phone number
    paused: dict[str, bool] = field(default_factory=dict)
    calls: list[CallRequest] = field(default_factory=list)


class PhoneSimulator:
    """The in-process PBX behind xuc phone control; safe to call from several threads."""

    def __init__(self, config: PhoneSimulatorConfig | None = None) -> None:
        self.config = config or PhoneSimulatorConfig()
        self._random = random.Random(self.config.seed)
        self._lock = threading.Lock()
        self.state = _Mirror()

    def place_call(self, request: CallRequest) -> CallPlan:
        """Draw the call's fate: answered after ringing, or rung out."""
        with self._lock:
            self.state.calls.append(request)
            answered = self._random.random() < self.config.answer_rate
        if answered:
            return CallPlan(
                ring_seconds=self.config.ring_seconds,
                answered=True,
                talk_seconds=self.config.talk_seconds,
            )
        return CallPlan(ring_seconds=self.config.no_answer_seconds, answered=False)

    def set_dnd(self, line: str, enabled: bool) -> None:
        """Turn do-not-disturb on or off on a line."""
        with self._lock:
            self.state.dnd[line] = enabled

    def set_forward(self, line: str, kind: ForwardKind, forward: Forward) -> None:
        """Set one forward of a line."""
        with self._lock:
            self.state.forwards[(line, kind)] = forward

    def agent_login(self, agent_number: str, phone_number: str) -> None:
        """Log an agent in on a phone; it starts ready."""
        with self._lock:
            self.state.agents[agent_number] = phone_number
            self.state.paused[agent_number] = False

    def agent_logout(self, agent_number: str, phone_number: str) -> None:
        """Log an agent out of its phone."""
        with self._lock:
            self.state.agents.pop(agent_number, None)
            self.state.paused.pop(agent_number, None)

    def set_pause(self, agent_number: str, paused: bool) -> None:
        """Pause an agent or make it ready."""
        with self._lock:
            self.state.paused[agent_number] = paused
