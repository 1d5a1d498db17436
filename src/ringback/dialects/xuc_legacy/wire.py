"""Reading xuc 1.0 requests (path segments, JSON bodies) and writing the history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ringback.dialects.xuc_legacy.errors import XucError
from ringback.services.phones import HistoryEntry

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT = 255


@dataclass(frozen=True, slots=True)
class Target:
    """The `$domain/$username/` part of a path (either may be empty)."""

    domain: str
    username: str

    @classmethod
    def of(cls, rest: str) -> Target:
        """Split the path after the method name."""
        parts = rest.split("/")
        domain = parts[0] if parts else ""
        username = parts[1] if len(parts) > 1 else ""
        return cls(domain.strip(), username.strip())

    def user(self) -> str:
        """Return the username, which this method needs along with the domain."""
        self.need_domain()
        if not self.username:
            raise XucError(400, "InvalidParameter", "the path needs $domain/$username/")
        return self.username

    def need_domain(self) -> str:
        """Return the domain, which this method needs."""
        if not self.domain:
            raise XucError(400, "InvalidParameter", "the path needs $domain/")
        return self.domain


class Body:
    """A request's JSON object, read field by field with the document's error on bad input."""

    def __init__(self, raw: bytes) -> None:
        if len(raw) > MAX_BODY_BYTES:
            raise XucError(413, "InvalidJson", f"the body exceeds {MAX_BODY_BYTES} bytes")
        try:
            value = json.loads(raw or b"{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise XucError(400, "InvalidJson", f"the body is not valid JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise XucError(400, "InvalidJson", "the body must be a JSON object")
        self._fields: dict[str, Any] = value

    def text(self, name: str, *, required: bool = True) -> str:
        """Return a string field (a number is accepted and read as its digits)."""
        value = self._fields.get(name)
        if value is None:
            if required:
                raise XucError(400, "InvalidJson", f"{name} is required")
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise XucError(400, "InvalidJson", f"{name} must be a string")
        text = str(value)
        if len(text) > MAX_TEXT:
            raise XucError(400, "InvalidJson", f"{name} is longer than {MAX_TEXT} characters")
        return text

    def boolean(self, name: str) -> bool:
        """Return a required true/false field."""
        value = self._fields.get(name)
        if not isinstance(value, bool):
            raise XucError(400, "InvalidJson", f"{name} must be true or false")
        return value

    def integer(self, name: str) -> int:
        """Return a required whole-number field (a string of digits is accepted)."""
        value = self._fields.get(name)
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise XucError(400, "InvalidJson", f"{name} must be a number")
        return value

    def mapping(self, name: str) -> dict[str, Any]:
        """Return an optional JSON object field."""
        value = self._fields.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise XucError(400, "InvalidJson", f"{name} must be a JSON object")
        return value


def count(query: dict[str, str], name: str) -> int | None:
    """Return a whole-number query parameter, or None when absent."""
    value = query.get(name)
    if value is None:
        return None
    if not value.strip().isdigit():
        raise XucError(400, "InvalidParameter", f"{name} must be a whole number")
    return int(value)


def history(entries: list[HistoryEntry], zone: ZoneInfo) -> list[dict[str, Any]]:
    """Return a call history as the document shows it, times in the server's time zone."""
    return [
        {
            "start": entry.start.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            "duration": _duration(entry.duration),
            "srcUsername": entry.src_username,
            "dstUsername": entry.dst_username,
            "status": entry.status.value,
        }
        for entry in entries
    ]


def _duration(duration: timedelta) -> str:
    seconds = max(0, int(duration.total_seconds()))
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
