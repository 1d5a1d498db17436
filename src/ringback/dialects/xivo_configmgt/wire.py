"""The config-mgt wire: JSON shapes of the document (camelCase, uuids), body checks, CSV."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ringback.dialects.xivo_configmgt.dissuasion import DissuasionChoices
from ringback.dialects.xivo_configmgt.model import (
    CLOSING_STATUSES,
    Dissuasion,
    DissuasionKind,
    Period,
    Ticket,
    TicketStatus,
    check_comment,
    parse_date,
    parse_time,
    ticket_status,
)
from ringback.dialects.xivo_configmgt.requests import RequestFields
from ringback.dialects.xivo_configmgt.service import ListView
from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import Agent, Profile, Rights, User
from ringback.domain.queues import Queue
from ringback.domain.states import TERMINAL_STATES

#: the fields of one request, as a JSON body and as the columns of a CSV import
REQUEST_FIELDS = ("phoneNumber", "mobilePhoneNumber", "firstName", "lastName", "company",
                  "description", "dueDate", "period")  # fmt: skip
PERIOD_FIELDS = ("name", "periodStart", "periodEnd", "default")
#: the largest id, offset or limit taken from the wire (the columns are 32-bit integers)
MAX_INT = 2**31 - 1
#: fields shown only when set, as the document's find example shows them absent
OPTIONAL_TEXT = (("mobilePhoneNumber", "alternate_number"), ("firstName", "first_name"),
                 ("lastName", "last_name"), ("company", "company"),
                 ("description", "description"))  # fmt: skip


def json_object(body: bytes, allowed: Sequence[str] | None = None) -> dict[str, Any]:
    """Return a JSON object body; refuse malformed JSON, another type, or unknown fields."""
    try:
        value = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise errors.Invalid(f"the body is not valid JSON: {exc}", field="body") from None
    except RecursionError:  # thousands of nested brackets: no document needs more than a few
        raise errors.Invalid("the body is not valid JSON: nested too deeply",
                             field="body") from None  # fmt: skip
    if not isinstance(value, dict):
        raise errors.Invalid("the body must be a JSON object", field="body")
    if allowed is not None:
        unknown = sorted(set(value) - set(allowed))
        if unknown:
            raise errors.Invalid(f"unknown field(s) {unknown}; allowed: {list(allowed)}",
                                 field=unknown[0])  # fmt: skip
    return value


def text_field(body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    """Return a string field, None when absent or null."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise errors.Invalid(f"{name} is required", field=name)
        return None
    if not isinstance(value, str):
        raise errors.Invalid(f"{name} must be a string", field=name)
    if "\x00" in value:  # PostgreSQL cannot store NUL; refuse it on every database alike
        raise errors.Invalid(f"{name} must not contain NUL characters", field=name)
    return value


def int_field(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    """Return an integer field."""
    value = body.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.Invalid(f"{name} must be an integer", field=name)
    if not 0 <= value <= MAX_INT:
        raise errors.Invalid(f"{name} must be an integer from 0 to {MAX_INT}", field=name)
    return value


def uuid_path(raw: str, kind: str) -> UUID:
    """Return the uuid of a path segment; a malformed one names nothing that exists."""
    try:
        return UUID(raw)
    except ValueError:
        raise errors.NotFound(f"{raw!r} is not a uuid", kind=kind) from None


def boolean(raw: str, name: str) -> bool:
    """Return a true/false query parameter."""
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0", ""):
        return False
    raise errors.Invalid(f"{name} must be true or false", field=name)


def int_path(raw: str, kind: str) -> int:
    """Return the id of a path segment; one that is not a (32-bit) id names nothing that exists."""
    if not raw.isdigit() or len(raw) > 9:
        raise errors.NotFound(f"{kind.lower()} {raw!r} does not exist", kind=kind)
    return int(raw)


def shown_id(raw: str) -> int | str:
    """Return a path segment's id as the dissuasion messages show it: a number if it is one."""
    return int(raw) if raw.isdigit() and len(raw) <= 9 else raw


def period_body(body: dict[str, Any], period_id: UUID | None) -> Period:
    """Return the period of a POST or PUT /callback_periods body (a new uuid when none)."""
    default = body.get("default", False)
    if not isinstance(default, bool):
        raise errors.Invalid("default must be true or false", field="default")
    return Period(
        period_id or uuid.uuid4(),
        text_field(body, "name", required=True) or "",
        parse_time(body.get("periodStart"), field="periodStart"),
        parse_time(body.get("periodEnd"), field="periodEnd"),
        default,
    )


def ticket_summary(body: dict[str, Any]) -> tuple[TicketStatus, str]:
    """Return the status and comment of a close body."""
    status = ticket_status(body.get("status"), allowed=CLOSING_STATUSES)
    return status, check_comment(body.get("comment"))


def request_fields(body: dict[str, Any]) -> RequestFields:
    """Return the fields of a JSON callback request."""
    due = text_field(body, "dueDate")
    return RequestFields(
        phone_number=text_field(body, "phoneNumber", required=True),
        mobile_phone_number=text_field(body, "mobilePhoneNumber"),
        first_name=text_field(body, "firstName"),
        last_name=text_field(body, "lastName"),
        company=text_field(body, "company"),
        description=text_field(body, "description"),
        due_date=parse_date(due) if due else None,
        period=text_field(body, "period"),
    )


# --- rendering ---


def period(p: Period) -> dict[str, Any]:
    """Show a period as the document does."""
    return {
        "uuid": str(p.uuid),
        "name": p.name,
        "periodStart": p.start.strftime("%H:%M:%S"),
        "periodEnd": p.end.strftime("%H:%M:%S"),
        "default": p.default,
    }


def request(callback: Callback, periods: dict[UUID, Period]) -> dict[str, Any]:
    """Show a callback request in the document's field order; empty optional fields omitted."""
    out: dict[str, Any] = {
        "uuid": str(callback.id),
        "listUuid": str(callback.list_id) if callback.list_id else None,
        "phoneNumber": callback.customer_number,
    }
    for name, attribute in OPTIONAL_TEXT:
        if getattr(callback, attribute):
            out[name] = getattr(callback, attribute)
    preferred = periods.get(callback.period_id) if callback.period_id else None
    if preferred is not None:
        out["preferredPeriodUuid"] = str(preferred.uuid)
    if callback.due_date is not None:
        out["dueDate"] = callback.due_date.isoformat()
    out["queueId"] = callback.queue_id
    out["clotured"] = callback.state in TERMINAL_STATES
    if preferred is not None:
        out["preferredPeriod"] = period(preferred)
    return out


def callback_list(view: ListView, periods: dict[UUID, Period]) -> dict[str, Any]:
    """Show a list with its requests, in the order of the document's GET example."""
    return {
        "uuid": str(view.callback_list.uuid),
        "name": view.callback_list.name,
        "queueId": view.callback_list.queue_id,
        "callbacks": [request(r, periods) for r in view.requests],
    }


def changed_list(view: ListView, periods: dict[UUID, Period]) -> dict[str, Any]:
    """Show a created or deleted list: the document's POST and DELETE answers sort the keys."""
    shown = callback_list(view, periods)
    return {key: shown[key] for key in sorted(shown)}


def instant(value: datetime | None) -> str | None:
    """Show an instant in ISO 8601, UTC."""
    return value.isoformat().replace("+00:00", "Z") if value else None


def ticket(t: Ticket) -> dict[str, Any]:
    """Show a ticket."""
    return {
        "uuid": str(t.uuid),
        "requestUuid": str(t.callback_id),
        "listUuid": str(t.list_id) if t.list_id else None,
        "agentId": t.agent_id,
        "agent": t.agent,
        "startDate": instant(t.started_at),
        "lastUpdate": instant(t.updated_at),
        "status": t.status.value if t.status else None,
        "comment": t.comment,
        "closedDate": instant(t.closed_at),
    }


def user(u: User) -> dict[str, Any]:
    """Show a user's profile as GET /users does."""
    return {"name": u.name, "firstname": u.firstname, "login": u.login, "profile": u.profile.value}


def rights(u: User) -> dict[str, Any]:
    """Show a user's profile and rights as GET /rights/user/<login> does."""
    r = u.rights
    return {
        "type": u.profile.value,
        "data": {
            "queueIds": list(r.queue_ids),
            "groupIds": list(r.group_ids),
            "incallIds": list(r.incall_ids),
            "recordingAccess": r.recording_access,
            "dissuasionAccess": r.dissuasion_access,
        },
    }


RIGHTS_DATA = ("queueIds", "groupIds", "incallIds", "recordingAccess", "dissuasionAccess")


def parse_rights(body: dict[str, Any], current: User) -> tuple[Profile, Rights]:
    """Return the profile and rights of a POST /rights/user body.

    The document updates "the profile or the associated rights": a body without `type` keeps the
    user's profile, one without `data` keeps its rights; a given `data` replaces the rights, its
    missing keys taking the documented defaults.
    """
    if not body:
        raise errors.Invalid("type or data is required", field="type")
    profile = current.profile
    if "type" in body:
        try:
            profile = Profile(str(body["type"]))
        except ValueError:
            raise errors.Invalid("type must be admin, supervisor or teacher",
                                 field="type") from None  # fmt: skip
    if "data" not in body:
        return profile, current.rights
    data = body["data"]
    if not isinstance(data, dict):
        raise errors.Invalid("data must be an object", field="data")
    unknown = sorted(set(data) - set(RIGHTS_DATA))
    if unknown:
        raise errors.Invalid(f"unknown right(s) {unknown}", field="data")
    return profile, Rights(
        queue_ids=_ids(data, "queueIds"),
        group_ids=_ids(data, "groupIds"),
        incall_ids=_ids(data, "incallIds"),
        recording_access=_flag(data, "recordingAccess", True),
        dissuasion_access=_flag(data, "dissuasionAccess", False),
    )


def _ids(data: dict[str, Any], name: str) -> tuple[int, ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or any(
        isinstance(i, bool) or not isinstance(i, int) or not 0 <= i <= MAX_INT for i in value
    ):
        raise errors.Invalid(f"{name} must be a list of integers from 0 to {MAX_INT}",
                             field=name)  # fmt: skip
    return tuple(dict.fromkeys(value))


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise errors.Invalid(f"{name} must be true or false", field=name)
    return value


def agent_positions(agents: Sequence[Agent]) -> dict[tuple[int, int], int]:
    """Return each agent's rank among the members of each of its queues (by penalty, then id)."""
    members: dict[int, list[tuple[int, int]]] = {}
    for a in agents:
        for m in a.queues:
            members.setdefault(m.queue_id, []).append((m.penalty, a.id))
    return {(queue_id, agent_id): index
            for queue_id, ranked in members.items()
            for index, (_, agent_id) in enumerate(sorted(ranked), start=1)}  # fmt: skip


def agent(
    a: Agent, queues: dict[int, Queue], positions: dict[tuple[int, int], int]
) -> dict[str, Any]:
    """Show an agent with its queue memberships, as /agent_config does."""
    return {
        "id": a.id,
        "firstname": a.firstname,
        "lastname": a.lastname,
        "number": a.number,
        "context": a.context,
        "member": [_member(a, m.queue_id, m.penalty, queues, positions) for m in a.queues],
        "numgroup": 1,
        "userid": a.id,
    }


def _member(
    a: Agent, queue_id: int, penalty: int, queues: dict[int, Queue],
    positions: dict[tuple[int, int], int],
) -> dict[str, Any]:  # fmt: skip
    queue = queues.get(queue_id)
    return {
        "queue_name": queue.name if queue else "",
        "queue_id": queue_id,
        "interface": f"Agent/{a.number}",
        "penalty": penalty,
        "commented": 0,
        "usertype": "Agent",
        "userid": a.id,
        "channel": "Agent",
        "category": "Queue",
        "position": positions.get((queue_id, a.id), 1),
    }


def dissuasion(queue: Queue, chosen: Dissuasion | None) -> dict[str, Any]:
    """Show a queue's dissuasion as GET /queue/<id>/dissuasion does."""
    if chosen is None or chosen.kind is DissuasionKind.OTHER:
        shown: dict[str, Any] = {"type": "other"}
    elif chosen.kind is DissuasionKind.SOUND_FILE:
        shown = {"type": "soundFile", "value": {"soundFile": chosen.value}}
    else:
        shown = {"type": "queue", "value": {"queueName": chosen.value}}
    return {"id": queue.id, "name": queue.name, "dissuasion": shown}


def dissuasion_choices(choices: DissuasionChoices) -> dict[str, Any]:
    """Show what a queue may be dissuaded to, as GET /queue/<id>/dissuasions does."""
    return {
        "id": choices.queue.id,
        "name": choices.queue.name,
        "dissuasions": {
            "soundFiles": [{"soundFile": name} for name in choices.sound_files],
            "queues": [{"queueName": name} for name in choices.queue_names],
        },
    }


class TooLarge(errors.Invalid):
    """A body over a configured size limit."""

    error_id = "too_large"
