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
