"""The UCCX wire format: case-insensitive query parameters in, hand-rendered XML out.

Replies are rendered by hand, not by an XML library, so that they match the vendor document byte
for byte: its declaration, `<Description></Description>` rather than `<Description/>`, one tab
per level, one element per line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.states import Event, Reason, State
from ringback.services.callbacks import Outcome

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
MEDIA_TYPE = "application/xml; charset=UTF-8"
MAX_PARAM_LENGTH = 1024
#: parameters stored in columns narrower than MAX_PARAM_LENGTH: refused here, naming the
#: parameter, rather than by the database (PostgreSQL) or not at all (SQLite)
LONGEST = {"id": 128, "language": 32, "prompt": 255}
_EPOCH_MS = re.compile(r"[0-9]{1,15}")
#: epoch milliseconds up to the year 3000: a later queuestarttime is a unit mistake (seconds
#: times 1000 twice, microseconds), and beyond the year 9999 no date can hold it at all
MAX_EPOCH_MS = 32_503_680_000_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Status words (ARCHITECTURE.md section 2): how UCCX names a callback's state.
S = State
STATUS: dict[State, str] = {
    S.SCHEDULED: "NEW",
    S.WAITING: "NEW",
    S.DISPATCHING: "PROCESSING",
    S.OFFERED: "REQUESTED",
    S.RESERVED: "AGENTACKNOWLEDGED",
    S.DIALING: "DIALINGTARGET",
    S.COMPLETED: "COMPLETED",
    S.FAILED: "EXCEEDEDNUMBEROFATTEMPTS",
    S.CANCELLED: "INACTIVE",
    S.EXPIRED: "INACTIVE",
}
#: failure reasons UCCX names by a status of their own
FAILURE_STATUS: dict[Reason, str] = {
    Reason.INVALID_NUMBER: "INVALID",
    Reason.IVR_FAILURE: "IVR_FAILURE",
    Reason.AGENT_ABANDONED: "AGENTABANDONED",
}
#: what updaterecord may report of an attempt in progress, and its outcomes
PROGRESS: dict[str, Event] = {
    "REQUESTED": Event.OFFER,
    "QUEUED": Event.OFFER,
    "AGENTACKNOWLEDGED": Event.RESERVE,
    "DIALINGTARGET": Event.DIAL,
}
OUTCOMES: dict[str, Outcome] = {
    "COMPLETED": Outcome.COMPLETED,
    "AGENTABANDONED": Outcome.AGENT_ABANDONED,
    "IVR_FAILURE": Outcome.IVR_FAILURE,
    "RETRY": Outcome.FAILED,
}
OFFER_WORDS = frozenset({"REQUESTED", "QUEUED"})
#: statuses only the server's own engine sets
SERVER_ONLY = frozenset({"NEW", "INVALID", "INACTIVE", "PROCESSING", "EXCEEDEDNUMBEROFATTEMPTS"})
#: the document's own example answers "updated to status DIALING"; accepted, never emitted
STATUS_SLIPS = {"DIALING": "DIALINGTARGET"}
#: open statuses getrecords can filter on, and the states that may show them
OPEN_STATUS_STATES: dict[str, tuple[State, ...]] = {
    "NEW": (S.SCHEDULED, S.WAITING),
    "RETRY": (S.WAITING,),
    "PROCESSING": (S.DISPATCHING,),
    "REQUESTED": (S.OFFERED,),
    "QUEUED": (S.OFFERED,),
    "AGENTACKNOWLEDGED": (S.RESERVED,),
    "DIALINGTARGET": (S.DIALING,),
}


def uccx_status(state: State, reason: Reason | None, attempts: int) -> str:
    """Show a callback's state as a UCCX record status."""
    if state is S.WAITING and attempts > 0:
        return "RETRY"
    if state is S.FAILED and reason is not None:
        return FAILURE_STATUS.get(reason, STATUS[state])
    return STATUS[state]


def status_word(callback: Callback) -> str:
    """Return the UCCX status of a callback, as its script last reported it where it may."""
    if callback.state is S.OFFERED and callback.telephony_status in OFFER_WORDS:
        return callback.telephony_status
    return uccx_status(callback.state, callback.reason, callback.attempts)


def normalize_status(raw: str) -> str:
    """Return the canonical status word for `raw` (case-insensitive, slips accepted)."""
    word = raw.strip().upper()
    return STATUS_SLIPS.get(word, word)


#: an element: a tag and either its text or its child elements
Element = tuple[str, "str | Sequence[Element]"]


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: Code 0 or -1, its Description, and the operation's own elements."""

    description: str = ""
    code: int = 0
    elements: Sequence[Element] = field(default_factory=tuple)
    status: int = 200


class Params:
    """Request parameters by lower-cased name; the first value of a repeated name wins."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, str] = {}
        for name, value in pairs:
            self._values.setdefault(name.lower(), value)

    @classmethod
    def of(cls, query: Iterable[tuple[str, str]], form_body: bytes | None) -> Params:
        """Merge the query string with an url-encoded body (the query string wins)."""
        pairs = list(query)
        if form_body:
            pairs += parse_qsl(form_body.decode("utf-8", "replace"), keep_blank_values=True)
        return cls(pairs)

    def get(self, name: str) -> str:
        """Return a parameter, "" when absent; refuse an absurdly long one."""
        value = self._values.get(name, "")
        longest = LONGEST.get(name, MAX_PARAM_LENGTH)
        if len(value) > longest:
            raise errors.Invalid(f"{name} is longer than {longest} characters", field=name)
        if _CONTROL.search(value):
            raise errors.Invalid(f"{name} holds control characters", field=name)
        return value

    def required(self, name: str) -> str:
        """Return a parameter that must be present and not blank."""
        value = self.get(name).strip()
        if not value:
            raise errors.Invalid(f"{name} is required", field=name)
        return value

    def integer(self, name: str, default: int) -> int:
        """Return an integer parameter, `default` when absent."""
        raw = self.get(name).strip()
        if not raw:
            return default
        if not re.fullmatch(r"-?[0-9]{1,9}", raw):
            raise errors.Invalid(f"{name} must be an integer, got {raw!r}", field=name)
        return int(raw)


def epoch_millis(raw: str, name: str) -> datetime | None:
    """Parse epoch milliseconds (UCCX queuestarttime); None when blank."""
    raw = raw.strip()
    if not raw:
        return None
    if not _EPOCH_MS.fullmatch(raw) or int(raw) > MAX_EPOCH_MS:
        raise errors.Invalid(
            f"{name} must be epoch milliseconds up to the year 3000, got {raw!r}", field=name
        )
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


def us_time(moment: datetime, zone: ZoneInfo) -> str:
    """Format as `M/d/yyyy h:mm:ss AM/PM` (requestdate, SystemTime, ServiceLastStarted)."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    return f"{local.month}/{local.day}/{local.year} {hour}:{local:%M:%S} {half}"


def day_first_time(moment: datetime, zone: ZoneInfo) -> str:
    """Format as `dd/MM/yyyy HH:mm:ss` (SettingsLastUpdate)."""
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M:%S")


def boolean(value: bool) -> str:
    """Write a boolean as the document does."""
    return "true" if value else "false"


def render(reply: Reply) -> bytes:
    """Return the XML bytes of a reply."""
    lines = [
        DECLARATION,
        "<Response>",
        f"\t<Description>{_xml_text(reply.description)}</Description>",
        f"\t<Code>{reply.code}</Code>",
    ]
    for element in reply.elements:
        lines.extend(_lines(element, 1))
    lines.append("</Response>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _lines(element: Element, depth: int) -> list[str]:
    tag, content = element
    indent = "\t" * depth
    if isinstance(content, str):
        return [f"{indent}<{tag}>{_xml_text(content)}</{tag}>"]
    if not content:
        return [f"{indent}<{tag}></{tag}>"]
    inner = [line for child in content for line in _lines(child, depth + 1)]
    return [f"{indent}<{tag}>", *inner, f"{indent}</{tag}>"]


def _xml_text(text: str) -> str:
    """Escape text for XML, replacing the characters XML 1.0 cannot hold at all.

    Values refused on input can still come from another dialect (a callback created through the
    native API): a reply must stay well-formed whatever a record holds.
    """
    return escape(_CONTROL.sub("\ufffd", text))
