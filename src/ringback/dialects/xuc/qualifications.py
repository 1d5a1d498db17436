"""Reading and writing call qualifications: the queue's options, an answer, the CSV export."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.responses import Response

from ringback.dialects.xuc.errors import Part, bad_json
from ringback.dialects.xuc.wire import MAX_ID, csv_file, json_object
from ringback.domain.qualifications import Qualification, QualificationAnswer

#: the columns of the qualification answers' export, and the fields of one answer
ANSWER_COLUMNS = (
    "sub_qualification_id", "time", "callid", "agent", "queue",
    "first_name", "last_name", "comment", "custom_data",
)  # fmt: skip
REQUIRED = frozenset({"sub_qualification_id", "time", "callid", "agent", "queue"})
INTEGERS = ("sub_qualification_id", "agent", "queue")
TEXTS = ("callid", "first_name", "last_name", "comment")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: the forms a `from`/`to` of the CSV export may take
PERIOD_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
#: the years a time may fall in, so that it converts to and from UTC in any time zone
YEARS = range(1900, 9999)


def qualifications_out(found: Iterable[Qualification]) -> list[dict[str, Any]]:
    """Render the qualifications of a queue with their subs."""
    return [_qualification(q) for q in found]


def _qualification(qualification: Qualification) -> dict[str, Any]:
    subs = [{"id": s.id, "name": s.name} for s in qualification.sub_qualifications]
    return {"id": qualification.id, "name": qualification.name, "subQualifications": subs}


def answer(body: bytes, zone: ZoneInfo) -> QualificationAnswer:
    """Read an agent's answer: the five required fields, the texts, the custom data."""
    values = json_object(body, Part.QUALIFICATIONS)
    unknown = sorted(set(values) - set(ANSWER_COLUMNS))
    if unknown:
        raise bad_json(Part.QUALIFICATIONS, f"unknown field(s): {', '.join(unknown)}")
    missing = sorted(REQUIRED - set(values))
    if missing:
        raise bad_json(Part.QUALIFICATIONS, f"missing field(s): {', '.join(missing)}")
    for name in INTEGERS:
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            raise bad_json(Part.QUALIFICATIONS, f"{name} must be an integer from 1 to {MAX_ID}")
    texts = {name: _text(values, name) for name in TEXTS}
    return QualificationAnswer(
        id=None,
        sub_qualification_id=values["sub_qualification_id"],
        agent=values["agent"],
        queue=values["queue"],
        time=_time(values["time"], zone),
        custom_data=_custom_data(values.get("custom_data")),
        **texts,
    )


def _text(values: dict[str, Any], name: str) -> str:
    value = values.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad_json(Part.QUALIFICATIONS, f"{name} must be a string")
    return value


def _custom_data(value: Any) -> str:
    """The document sends a string; an object is kept as its JSON text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    raise bad_json(Part.QUALIFICATIONS, "custom_data must be a string or a JSON object")


def _time(value: Any, zone: ZoneInfo) -> datetime:
    """Read `YYYY-MM-DD HH:MM:SS` in the server's time zone (or ISO 8601 with an offset)."""
    if not isinstance(value, str):
        raise bad_json(Part.QUALIFICATIONS, "time must be a string 'YYYY-MM-DD HH:MM:SS'")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise bad_json(Part.QUALIFICATIONS, "time must be 'YYYY-MM-DD HH:MM:SS'") from exc
    return _within_years(moment if moment.tzinfo is not None else moment.replace(tzinfo=zone))


def _within_years(moment: datetime) -> datetime:
    """Refuse a time too close to year 1 or 9999 to be converted between time zones."""
    if moment.year not in YEARS:
        raise bad_json(
            Part.QUALIFICATIONS, f"a time must fall in the years {YEARS.start} to {YEARS.stop - 1}"
        )
    return moment


def bound(value: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """Read a period bound of the export; a bare date as `to` includes that whole day."""
    text = value.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start_of_day = _within_years(datetime.combine(day, time(), tzinfo=zone))
        return start_of_day + timedelta(days=1) if end else start_of_day
    for form in PERIOD_FORMATS:
        try:
            return _within_years(datetime.strptime(text, form).replace(tzinfo=zone))
        except ValueError:
            continue
    raise bad_json(Part.QUALIFICATIONS, f"{value!r} is not a date 'YYYY-MM-DD[ HH:MM:SS]'")


def answers_csv(answers: Iterable[QualificationAnswer], zone: ZoneInfo) -> Response:
    """Render the export: one answer per line, its time in the server's time zone."""
    return csv_file(ANSWER_COLUMNS, (_answer_row(a, zone) for a in answers))


def _answer_row(answer: QualificationAnswer, zone: ZoneInfo) -> list[str]:
    cells = [str(getattr(answer, name)) for name in ANSWER_COLUMNS]
    cells[1] = answer.time.astimezone(zone).strftime(TIME_FORMAT)
    return cells
