"""Call qualifications: what an agent says a call was about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class SubQualification:
    """The finer answer inside a qualification."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Qualification:
    """A call qualification offered to the agents of some queues."""

    id: int
    name: str
    queue_ids: tuple[int, ...]
    sub_qualifications: tuple[SubQualification, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class QualificationAnswer:
    """An agent's qualification of one call."""

    id: int | None
    sub_qualification_id: int
    time: datetime
    callid: str
    agent: int
    queue: int
    first_name: str = ""
    last_name: str = ""
    comment: str = ""
    custom_data: dict[str, Any] | None = None
