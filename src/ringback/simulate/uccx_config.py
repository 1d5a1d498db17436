"""What `ringback simulate uccx` can be told, and how it draws the fate of each send-back."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Plan(StrEnum):
    """How the simulated UCCX handles one send-back trigger."""

    COMPLETE = "complete"
    REFUSE = "refuse"  # Code -1 at once
    SILENT = "silent"  # no answer until the caller gives up
    IVR_FAILURE = "ivr_failure"  # taken, then the script fails
    ABANDON = "abandon"  # taken, acknowledged, then the agent abandons it


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatorConfig:
    """Everything `ringback simulate uccx` can be told."""

    host: str = "127.0.0.1"
    port: int = 9080
    #: the Callback Server's base URL (ringback), where updaterecord and addrecord go
    callback_server: str = "http://127.0.0.1:9000"
    user: str = ""
    password: str = ""
    token: str = ""
    agents_per_csq: Mapping[str, int] = field(default_factory=lambda: {"Main": 3})
    prefix: str = "callback"
    handle_seconds: float = 20.0
    route_delay_seconds: float = 1.0
    step_seconds: float = 0.5
    refuse_rate: float = 0.0
    silent_rate: float = 0.0
    ivr_failure_rate: float = 0.0
    abandon_rate: float = 0.0
    silence_seconds: float = 30.0
    report_timeout_seconds: float = 5.0
    tick_seconds: float = 0.05
    #: live callers arriving on their own, per CSQ and minute (0: only through the control API)
    arrivals_per_minute: float = 0.0
    #: the share of arriving callers who ask for a callback after `patience_seconds` in queue
    callback_share: float = 0.0
    patience_seconds: float = 10.0
    seed: int | None = None

    def __post_init__(self) -> None:
        rates = (self.refuse_rate, self.silent_rate, self.ivr_failure_rate, self.abandon_rate)
        if any(not 0 <= rate <= 1 for rate in rates) or sum(rates) > 1:
            raise ValueError("failure rates must each be in [0, 1] and add up to at most 1")
        if not self.agents_per_csq or any(n < 0 for n in self.agents_per_csq.values()):
            raise ValueError("at least one CSQ is needed, with zero or more agents")
        if not self.prefix.strip("/"):
            raise ValueError("the send-back prefix must not be empty")
        for name in ("handle_seconds", "route_delay_seconds", "step_seconds", "silence_seconds",
                     "arrivals_per_minute", "patience_seconds"):  # fmt: skip
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if not 0 <= self.callback_share <= 1:
            raise ValueError("callback_share must be in [0, 1]")

    def choose(self, rng: random.Random) -> Plan:
        """Draw how the next trigger is handled."""
        draw = rng.random()
        for plan, rate in (
            (Plan.REFUSE, self.refuse_rate), (Plan.SILENT, self.silent_rate),
            (Plan.IVR_FAILURE, self.ivr_failure_rate), (Plan.ABANDON, self.abandon_rate),
        ):  # fmt: skip
            if draw < rate:
                return plan
            draw -= rate
        return Plan.COMPLETE
