"""Call qualifications: what an agent says a call was about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ringback.domain import errors

MAX_NAME_LENGTH = 128
MAX_TEXT_LENGTH = 4000
#: the answer fields kept as short text, with their length limits
SHORT_TEXTS = {"callid": 128, "first_name": 128, "last_name": 128}


@dataclass(frozen=True, slots=True)
class SubQualification:
    """The finer answer inside a qualification; `id` is None until stored."""

    id: int | None
    name: str

    def __post_init__(self) -> None:
        _check_name(self.name, "subQualifications")


@dataclass(frozen=True, slots=True)
class Qualification:
    """A call qualification offered to the agents of some queues; `id` None until stored."""

    id: int | None
    name: str
    queue_ids: tuple[int, ...]
    sub_qualifications: tuple[SubQualification, ...] = ()

    def __post_init__(self) -> None:
        _check_name(self.name, "name")
        if len(set(self.queue_ids)) != len(self.queue_ids):
            raise errors.Invalid("a queue is listed once", field="queue_ids")
        ids = [s.id for s in self.sub_qualifications if s.id is not None]
        if len(set(ids)) != len(ids):
            raise errors.Invalid("a sub-qualification is listed once", field="subQualifications")

    def offers(self, sub_qualification_id: int, queue_id: int) -> bool:
        """Tell whether an agent of `queue_id` may answer with this sub-qualification."""
        return queue_id in self.queue_ids and any(
            s.id == sub_qualification_id for s in self.sub_qualifications
        )


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
    custom_data: str = ""

    def __post_init__(self) -> None:
        if self.time.utcoffset() is None:
            raise errors.Invalid("time must carry a time zone", field="time")
        for name, limit in SHORT_TEXTS.items():
            _check_length(name, getattr(self, name), limit)
        _check_length("comment", self.comment, MAX_TEXT_LENGTH)
        _check_length("custom_data", self.custom_data, MAX_TEXT_LENGTH)
        if not self.callid:
            raise errors.Invalid("callid is required", field="callid")


def _check_name(name: str, field: str) -> None:
    if not name.strip():
        raise errors.Invalid("a name is required", field=field)
    _check_length(field, name, MAX_NAME_LENGTH)


def _check_length(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise errors.Invalid(f"{field} has more than {limit} characters", field=field)
    if "\x00" in value:
        raise errors.Invalid(f"{field} contains a NUL character", field=field)
