"""Request and response bodies of the native API."""

from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Path
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
)

from ringback.domain.queues import Dedup, QueueSettings

#: the largest id a client may use: ids are 32-bit integers in every database
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    """A body that refuses unknown fields, coercions between types, and NUL characters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        _refuse_nul(value, info.field_name or "")
        return value


def _refuse_nul(value: Any, path: str) -> None:
    # PostgreSQL cannot store NUL in text; no client has a reason to send one.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(f"{path or 'a value'} contains a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{path}[{index}]")


def _dedup_from_json(value: Any) -> Any:
    # JSON clients write the GMS option as true/false as often as "true"/"strict"/"false".
    return str(value).lower() if isinstance(value, bool) else value


_TYPE_OVERRIDES: dict[str, Any] = {
    "dedup": Annotated[Dedup, BeforeValidator(_dedup_from_json)],
    "aliases": list[str],
    "business_hours": list[str],
    "open_dates": list[str],
    "closed_dates": list[str],
    "number_exceptions": list[str],
}


def _setting_fields(optional: bool) -> dict[str, Any]:
    hints = typing.get_type_hints(QueueSettings)
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(QueueSettings):
        annotation = _TYPE_OVERRIDES.get(field.name, hints[field.name])
        # JSON has no enum type: enum settings are given as their string values.
        strict = not (isinstance(hints[field.name], type) and issubclass(hints[field.name], Enum))
        if optional:
            # Defaults are not validated: an absent field stays unset, an explicit null is checked.
            default: Any = None
        elif field.default is not dataclasses.MISSING:
            default = list(field.default) if isinstance(field.default, tuple) else field.default
        else:
            default = ...
        fields[field.name] = (annotation, Field(default=default, strict=strict))
    return fields


QueueIn = create_model(
    "QueueIn",
    __base__=Strict,
    id=(int | None, Field(default=None, ge=1, le=MAX_ID)),
    **_setting_fields(False),
)
QueueReplace = create_model("QueueReplace", __base__=Strict, **_setting_fields(False))
QueuePatch = create_model("QueuePatch", __base__=Strict, **_setting_fields(True))
QueueOut = create_model("QueueOut", id=(int, ...), **_setting_fields(False))


class RightsBody(Strict):
    """XiVO-style rights of a supervisor or teacher."""

    queueIds: list[int] = Field(default_factory=list)
    groupIds: list[int] = Field(default_factory=list)
    incallIds: list[int] = Field(default_factory=list)
    recordingAccess: bool = True
    dissuasionAccess: bool = False


class UserIn(Strict):
    """A user as written: the password is write-only."""

    login: str
    password: str | None = Field(default=None, min_length=8, max_length=256)
    firstname: str = Field(default="", max_length=128)
    name: str = Field(default="", max_length=128)
    profile: Literal["admin", "supervisor", "teacher"] = "supervisor"
    rights: RightsBody = Field(default_factory=RightsBody)


class UserReplace(Strict):
    """A user's replacement; the login comes from the path."""

    password: str | None = Field(default=None, min_length=8, max_length=256)
    firstname: str = Field(default="", max_length=128)
    name: str = Field(default="", max_length=128)
    profile: Literal["admin", "supervisor", "teacher"] = "supervisor"
    rights: RightsBody = Field(default_factory=RightsBody)


class UserOut(BaseModel):
    """A user as shown."""

    login: str
    firstname: str
    name: str
    profile: str
    rights: RightsBody


class MembershipBody(Strict):
    """An agent's place in a queue."""

    queue_id: Id
    penalty: int = Field(default=0, ge=0, le=MAX_ID)


class AgentIn(Strict):
    """An agent as written."""

    id: Id
    firstname: str = Field(max_length=128)
    lastname: str = Field(max_length=128)
    number: str = Field(max_length=32)
    context: str = Field(default="default", max_length=64)
    queues: list[MembershipBody] = Field(default_factory=list)
    login: str | None = None


class AgentReplace(Strict):
    """An agent's replacement; the id comes from the path."""

    firstname: str = Field(max_length=128)
    lastname: str = Field(max_length=128)
    number: str = Field(max_length=32)
    context: str = Field(default="default", max_length=64)
    queues: list[MembershipBody] = Field(default_factory=list)
    login: str | None = None


class CallbackIn(Strict):
    """A new callback."""

    queue_id: Id
    phone_number: str = Field(min_length=1, max_length=40)
    alternate_number: str = Field(default="", max_length=40)
    first_name: str = Field(default="", max_length=128)
    last_name: str = Field(default="", max_length=128)
    company: str = Field(default="", max_length=128)
    description: str = Field(default="", max_length=2000)
    customer_id: str = Field(default="", max_length=128)
    language: str = Field(default="", max_length=32)
    desired_time: AwareDatetime | None = Field(default=None, strict=False)
    external_id: str | None = Field(default=None, min_length=1, max_length=128)
    properties: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class OutcomeIn(Strict):
    """The outcome of one attempt, named by its dial key."""

    dial_key: str = Field(min_length=1, max_length=80)
    result: Literal["completed", "no_answer", "busy", "failed", "agent_abandoned", "invalid_number"]
    detail: str = Field(default="", max_length=1000)


class EventOut(BaseModel):
    """One line of a callback's history."""

    at: datetime
    actor: str
    event: str
    from_state: str | None
    to_state: str
    reason: str | None
    detail: dict[str, Any]


class CallbackOut(BaseModel):
    """A callback as shown."""

    id: UUID
    queue_id: int
    external_id: str | None
    state: str
    reason: str | None
    phone_number: str
    alternate_number: str
    first_name: str
    last_name: str
    company: str
    description: str
    customer_id: str
    language: str
    properties: dict[str, Any]
    desired_time: datetime | None
    due_date: date | None
    queue_start_time: datetime | None
    next_action_at: datetime | None
    expires_at: datetime | None
    attempts: int
    dial_key: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    history: list[EventOut] | None = None


class CallbackPage(BaseModel):
    """A page of callbacks."""

    total: int
    offset: int
    limit: int
    items: list[CallbackOut]


class TokenIn(Strict):
    """A user's credentials."""

    login: str = Field(max_length=64)
    password: str = Field(max_length=256)


class TokenOut(BaseModel):
    """A user token and when it expires."""

    token: str
    login: str
    expires_at: datetime
