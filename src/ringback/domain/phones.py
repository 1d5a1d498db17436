"""Phones of users (xuc 1.0): DND, forwards, agent sessions, calls and their history."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import phonenumbers

from ringback.domain import errors

MAX_NUMBER_LENGTH = 40
MAX_DESTINATION_LENGTH = 40
#: "(0)" written after a country code: the national trunk prefix, dropped when dialling abroad
_TRUNK_ZERO = re.compile(r"\(\s*0\s*\)")
_DIALABLE = re.compile(r"[0-9*#]")
#: where a forward may send calls: a line or a number, as a phone keypad types it
_FORWARD_DESTINATION = re.compile(r"\+?[0-9*#]+")


class ForwardKind(StrEnum):
    """The three forwards of a XiVO line."""

    UNCONDITIONAL = "unc"
    NO_ANSWER = "na"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Forward:
    """One forward: on or off, and where it sends calls."""

    enabled: bool = False
    destination: str = ""


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
class CallPlan:
    """What the telephony side did with a call: how long it rang, whether and how long it talked."""

    ring_seconds: float
    answered: bool
    talk_seconds: float = 0.0


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
