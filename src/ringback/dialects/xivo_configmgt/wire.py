"""The config-mgt wire: JSON shapes of the document (camelCase, uuids), body checks, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.lists import Dissuasion, DissuasionKind, Period, Ticket, parse_date
from ringback.domain.people import Agent, Profile, Rights, User
from ringback.domain.queues import Queue
from ringback.domain.states import TERMINAL_STATES
from ringback.services.xivo_agent import TicketLine
from ringback.services.xivo_configmgt import ListView
from ringback.services.xivo_requests import LineError, RequestFields

CSV_HEADER = ("phoneNumber", "mobilePhoneNumber", "firstName", "lastName", "company",
              "description", "dueDate", "period")  # fmt: skip
TICKET_CSV_HEADER = ("uuid", "requestUuid", "listUuid", "phoneNumber", "mobilePhoneNumber",
                     "firstName", "lastName", "company", "description", "dueDate", "agent",
                     "startDate", "lastUpdate", "status", "comment")  # fmt: skip
CSV_LINE_END = re.compile(r"\r\n|\r|\n")
#: characters that make a spreadsheet read a cell as a formula (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: fields shown only when set, as the document's find example shows them absent
#: the largest id, offset or limit taken from the wire (the columns are 32-bit integers)
MAX_INT = 2**31 - 1
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


def tickets_csv(lines: Sequence[TicketLine]) -> str:
    """Export tickets as CSV, every cell that a spreadsheet would run as a formula defused."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TICKET_CSV_HEADER)
    for line in lines:
        t, r = line.ticket, line.request
        cells = [
            str(t.uuid), str(r.id), str(r.list_id or ""), r.customer_number, r.alternate_number,
            r.first_name, r.last_name, r.company, r.description,
            r.due_date.isoformat() if r.due_date else "", t.agent, instant(t.started_at) or "",
            instant(t.updated_at) or "", t.status.value if t.status else "", t.comment,
        ]  # fmt: skip
        writer.writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()


def neutralise(cell: str) -> str:
    """Prefix a cell starting with = + - @ tab or CR with a quote, so it stays text."""
    return f"'{cell}" if cell.startswith(FORMULA_STARTS) else cell


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


class TooLarge(errors.Invalid):
    """A body over a configured size limit."""

    error_id = "too_large"


def parse_csv(
    body: bytes, *, max_bytes: int, max_lines: int
) -> tuple[list[tuple[int, RequestFields]], list[LineError]]:
    """Return the requests of a pipe-separated import by line number, and its bad lines."""
    if len(body) > max_bytes:
        raise TooLarge(f"the CSV exceeds {max_bytes} bytes", field="csv")
    try:
        content = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise errors.Invalid("the CSV must be UTF-8 text", field="csv") from None
    # lines end at \n, \r\n or \r only: str.splitlines() would also cut at U+2028, \x0c...
    lines = CSV_LINE_END.split(content)
    numbered = [(n, line.strip(" \t")) for n, line in enumerate(lines, start=1)]
    numbered = [(n, line) for n, line in numbered if line]
    if not numbered:
        raise errors.Invalid("the CSV is empty: the header line is required", field="csv")
    header_line, header = numbered[0]
    if tuple(cell.strip() for cell in header.split("|")) != CSV_HEADER:
        raise errors.Invalid(f"line {header_line}: the header must be {'|'.join(CSV_HEADER)}",
                             field="csv")  # fmt: skip
    if len(numbered) - 1 > max_lines:
        raise TooLarge(f"the CSV has more than {max_lines} lines", field="csv")
    parsed: list[tuple[int, RequestFields]] = []
    problems: list[LineError] = []
    for number, line in numbered[1:]:
        try:
            parsed.append((number, _csv_line(line)))
        except errors.Invalid as exc:
            problems.append(LineError(number, exc.message))
    return parsed, problems


def _csv_line(line: str) -> RequestFields:
    cells = [cell.strip(" \t") for cell in line.split("|")]
    if len(cells) != len(CSV_HEADER):
        raise errors.Invalid(f"expected {len(CSV_HEADER)} fields separated by |, got {len(cells)}")
    values = dict(zip(CSV_HEADER, (cell or None for cell in cells), strict=True))
    due = values.pop("dueDate")
    return RequestFields(
        phone_number=values["phoneNumber"],
        mobile_phone_number=values["mobilePhoneNumber"],
        first_name=values["firstName"],
        last_name=values["lastName"],
        company=values["company"],
        description=values["description"],
        due_date=parse_date(due) if due else None,
        period=values["period"],
    )
