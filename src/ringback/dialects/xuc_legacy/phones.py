"""Phones of users (xuc 1.0): lines with DND and forwards, agent sessions, calls, their history.

What happens to them is told to the eventUrl as neutral facts (LineChanged, AgentChanged,
CallStepped): the service stores them, wire.py renders them in xuc's shapes when they are sent.
The port's own values (ForwardKind, Forward, CallPlan) are the engine's, in services.ports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import phonenumbers

from ringback.domain import errors
from ringback.services.ports import CallPlan, Forward, ForwardKind

MAX_NUMBER_LENGTH = 40
MAX_DESTINATION_LENGTH = 40
#: "(0)" written after a country code: the national trunk prefix, dropped when dialling abroad
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_DIALABLE = re.compile(r"[0-9*#]")
#: where a forward may send calls: a line or a number, as a phone keypad types it
_FORWARD_DESTINATION = re.compile(r"\+?[0-9*#]+")
#: a phone an agent logs in on, as a keypad types it
_PHONE_NUMBER = re.compile(r"[0-9*#+]{1,40}")
MAX_AGENT_NUMBER_LENGTH = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneState:
    """A user's line and what it does with incoming calls."""

    username: str
    line: str
    dnd: bool = False
    forwards: dict[ForwardKind, Forward] = field(default_factory=dict)
    updated_at: datetime | None = None

    def forward(self, kind: ForwardKind) -> Forward:
        """Return the forward of `kind` (off when never set)."""
        return self.forwards.get(kind, Forward())

    def with_forward(self, kind: ForwardKind, forward: Forward, at: datetime) -> PhoneState:
        """Return this state with one forward changed."""
        if forward.enabled and not forward.destination:
            raise errors.Invalid("an enabled forward needs a destination", field="destination")
        if len(forward.destination) > MAX_DESTINATION_LENGTH:
            raise errors.Invalid("destination is too long", field="destination")
        if forward.destination and not _FORWARD_DESTINATION.fullmatch(forward.destination):
            raise errors.Invalid(
                "destination must be a number (digits, * and #, maybe after a +)",
                field="destination",
            )
        return replace(self, forwards={**self.forwards, kind: forward}, updated_at=at)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentSession:
    """An agent logged in on a phone, ready or on pause."""

    agent_id: int
    agent_number: str
    phone_number: str
    username: str | None
    paused: bool = False
    since: datetime


@dataclass(frozen=True, slots=True)
class Route:
    """Where a call to a line goes: elsewhere (a forward), refused, or to the line itself."""

    destination: str | None = None  # the forward's destination; None: the line itself
    refused: bool = False


def route_incoming(callee: PhoneState, *, busy: bool) -> Route:
    """Apply a line's unconditional forward, then DND, then its busy forward.

    One hop: the caller follows the destination's line without its own forwards, so two lines
    forwarding to each other cannot loop.
    """
    unconditional = callee.forward(ForwardKind.UNCONDITIONAL)
    if unconditional.enabled:
        return Route(unconditional.destination)
    if callee.dnd:
        return Route(refused=True)
    if not busy:
        return Route()
    on_busy = callee.forward(ForwardKind.BUSY)
    return Route(on_busy.destination) if on_busy.enabled else Route(refused=True)


class CallStatus(StrEnum):
    """A call as one of its parties sees it in the history."""

    EMITTED = "emitted"
    ANSWERED = "answered"
    MISSED = "missed"
    ONGOING = "ongoing"


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """One call placed through xuc: who called whom, when, and how it went."""

    id: str
    src_username: str | None
    src_number: str
    dst_username: str | None
    dst_number: str
    start: datetime
    plan: CallPlan
    queue_id: int | None = None
    caller_id_name: str = ""
    caller_id_number: str = ""
    variables: dict[str, Any] = field(default_factory=dict)

    @property
    def answered_at(self) -> datetime:
        """Return when the callee answered (or stopped ringing)."""
        return self.start + timedelta(seconds=self.plan.ring_seconds)

    @property
    def end(self) -> datetime:
        """Return when the call ends."""
        return self.answered_at + timedelta(
            seconds=self.plan.talk_seconds if self.plan.answered else 0
        )

    def duration(self, now: datetime) -> timedelta:
        """Return how long the call lasted, or has lasted so far."""
        return min(now, self.end) - self.start

    def status_for(self, username: str, now: datetime) -> CallStatus:
        """Return the call as `username` sees it."""
        if now < self.end:
            return CallStatus.ONGOING
        if username == self.src_username:
            return CallStatus.EMITTED
        return CallStatus.ANSWERED if self.plan.answered else CallStatus.MISSED


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of a user's call history."""

    start: datetime
    duration: timedelta
    src_username: str | None
    dst_username: str | None
    status: CallStatus


class CallStep(StrEnum):
    """Where a call stands for one of its parties."""

    DIALING = "dialing"  # the caller's side of a call that starts
    RINGING = "ringing"  # the callee's side of a call that starts
    ESTABLISHED = "established"
    RELEASED = "released"


@dataclass(frozen=True, slots=True)
class LineChanged:
    """A user's line as it now stands: its DND and forwards."""

    phone: PhoneState

    @property
    def username(self) -> str | None:
        """Return the user the fact is about."""
        return self.phone.username


@dataclass(frozen=True, slots=True)
class AgentChanged:
    """An agent logged in on a phone (ready or paused), or logged out of it."""

    session: AgentSession
    logged_in: bool = True

    @property
    def username(self) -> str | None:
        """Return the agent's user, if it has one."""
        return self.session.username


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStepped:
    """A call reached a step, as one of its parties (`username`, on `line`) sees it."""

    call: Call
    username: str
    line: str
    step: CallStep


#: what the eventUrl is told about phones, before it takes xuc's shape
PhoneFact = LineChanged | AgentChanged | CallStepped


def call_facts(
    call: Call, caller: PhoneState | None, callee: PhoneState | None
) -> list[tuple[datetime, CallStepped]]:
    """Return what each party with a line sees of a call, with the instant each happens."""
    rang = call.plan.ring_seconds > 0 or call.plan.answered
    # A refused call (DND, busy) never rings the callee.
    parties = [(caller, CallStep.DIALING), (callee if rang else None, CallStep.RINGING)]
    facts: list[tuple[datetime, CallStepped]] = []
    for phone, first in parties:
        if phone is None:
            continue
        facts.append((call.start, _stepped(call, phone, first)))
        if call.plan.answered:
            facts.append((call.answered_at, _stepped(call, phone, CallStep.ESTABLISHED)))
        facts.append((call.end, _stepped(call, phone, CallStep.RELEASED)))
    return sorted(facts, key=lambda pair: pair[0])


def current_step(call: Call, phone: PhoneState, now: datetime) -> CallStepped:
    """Return where a user's ongoing call stands at `now`."""
    if call.plan.answered and now >= call.answered_at:
        return _stepped(call, phone, CallStep.ESTABLISHED)
    outgoing = phone.username == call.src_username
    return _stepped(call, phone, CallStep.DIALING if outgoing else CallStep.RINGING)


def _stepped(call: Call, phone: PhoneState, step: CallStep) -> CallStepped:
    return CallStepped(call=call, username=phone.username, line=phone.line, step=step)


def sanitize_number(raw: str, region: str) -> str:
    """Make a typed number dialable, as xuc's dial does.

    Keeps digits, `*`, `#` and a leading `+`; turns an international access code (00, 011...
    as `region` dials) into `+`; drops a trunk zero written "(0)" after the country code but keeps
    a bare zero, which some countries (Italy) keep after the country code.
    """
    text = _TRUNK_ZERO.sub("", raw.strip())
    international = text.startswith("+")
    digits = "".join(_DIALABLE.findall(text))
    if not digits:
        raise errors.Invalid("number has no digit", field="number")
    if len(digits) > MAX_NUMBER_LENGTH:
        raise errors.Invalid("number is too long", field="number")
    if international:
        return "+" + digits
    without_idd = _strip_international_prefix(digits, region)
    return "+" + without_idd if without_idd is not None else digits


def _strip_international_prefix(digits: str, region: str) -> str | None:
    """Return the number after its international access code, or None when it has none."""
    if not digits.isdigit():
        return None
    try:
        parsed = phonenumbers.parse(digits, region, keep_raw_input=True)
    except phonenumbers.NumberParseException:
        return None
    if parsed.country_code_source != phonenumbers.CountryCodeSource.FROM_NUMBER_WITH_IDD:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    idd = metadata.international_prefix if metadata else None
    country = str(parsed.country_code)
    for cut in range(1, len(digits)):
        if digits[cut:].startswith(country) and idd and re.fullmatch(idd, digits[:cut]):
            return digits[cut:]
    return None


def agent_number_of(value: str, name: str) -> str:
    """Return an agent number as given (trimmed), refused when empty or too long."""
    value = value.strip()
    if not value:
        raise errors.Invalid(f"{name} is required", field=name)
    if len(value) > MAX_AGENT_NUMBER_LENGTH:
        raise errors.Invalid(f"{name} is too long", field=name)
    return value


def phone_number_of(value: str, name: str) -> str:
    """Return a phone number as given (trimmed), refused unless it is digits, * # and +."""
    value = value.strip()
    if not _PHONE_NUMBER.fullmatch(value):
        raise errors.Invalid(f"{name} must be a phone number (digits, * # +)", field=name)
    return value
