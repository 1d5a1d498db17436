"""Call qualifications: the queue's options, an agent's answer, and the answers as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ringback.dialects.xuc.errors import Part, bad_json
from ringback.dialects.xuc.wire import Caller, json_object, safe_cell
from ringback.domain.qualifications import Qualification, QualificationAnswer
from ringback.services.qualifications import QualificationService

router = APIRouter()

CSV_COLUMNS = (
    "sub_qualification_id", "time", "callid", "agent", "queue",
    "first_name", "last_name", "comment", "custom_data",
)  # fmt: skip
REQUIRED = frozenset({"sub_qualification_id", "time", "callid", "agent", "queue"})
INTEGERS = ("sub_qualification_id", "agent", "queue")
TEXTS = ("callid", "first_name", "last_name", "comment")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
#: the forms a `from`/`to` of the CSV export may take
PERIOD_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
CSV_TYPE = "text/csv; charset=UTF-8"
#: ids are stored as 32-bit integers: a larger one names nothing
MAX_ID = 2**31 - 1
#: the years a time may fall in, so that it converts to and from UTC in any time zone
YEARS = range(1900, 9999)
QueueId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _service(request: Request) -> QualificationService:
    service: QualificationService = request.app.state.services.qualifications
    return service


def _zone(request: Request) -> ZoneInfo:
    zone: ZoneInfo = request.app.state.zone
    return zone


@router.get("/call_qualification/queue/{queue_id}")
def queue_qualifications(
    request: Request, caller: Caller, queue_id: QueueId
) -> list[dict[str, Any]]:
    return [_out(q) for q in _service(request).for_queue(caller, queue_id)]


def _out(qualification: Qualification) -> dict[str, Any]:
    subs = [{"id": s.id, "name": s.name} for s in qualification.sub_qualifications]
    return {"id": qualification.id, "name": qualification.name, "subQualifications": subs}


@router.post("/call_qualification", status_code=201)
async def create_answer(request: Request, caller: Caller) -> JSONResponse:
    body = json_object(await request.body(), Part.QUALIFICATIONS)
    answer = _answer(body, _zone(request))
    answer_id = await run_in_threadpool(_service(request).answer, caller, answer)
    return JSONResponse(answer_id, status_code=201)


def _answer(body: dict[str, Any], zone: ZoneInfo) -> QualificationAnswer:
    unknown = sorted(set(body) - set(CSV_COLUMNS))
    if unknown:
        raise bad_json(Part.QUALIFICATIONS, f"unknown field(s): {', '.join(unknown)}")
    missing = sorted(REQUIRED - set(body))
    if missing:
        raise bad_json(Part.QUALIFICATIONS, f"missing field(s): {', '.join(missing)}")
    for name in INTEGERS:
        value = body[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            raise bad_json(Part.QUALIFICATIONS, f"{name} must be an integer from 1 to {MAX_ID}")
    texts = {name: _text(body, name) for name in TEXTS}
    return QualificationAnswer(
        id=None,
        sub_qualification_id=body["sub_qualification_id"],
        agent=body["agent"],
        queue=body["queue"],
        time=_time(body["time"], zone),
        custom_data=_custom_data(body.get("custom_data")),
        **texts,
    )


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
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


def _export(request: Request, caller: Caller, queue_id: int, start: str, end: str) -> Response:
    zone = _zone(request)
    answers = _service(request).answers(
        caller, queue_id, _bound(start, zone, end=False), _bound(end, zone, end=True)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for answer in answers:
        local = answer.time.astimezone(zone).strftime(TIME_FORMAT)
        cells = [getattr(answer, name) for name in CSV_COLUMNS]
        cells[1] = local
        writer.writerow([safe_cell(str(cell)) for cell in cells])
    return Response(out.getvalue().encode("utf-8"), media_type=CSV_TYPE)


@router.get("/call_qualification/csv/{queue_id}/{start}/{end}")
def export_answers(
    request: Request, caller: Caller, queue_id: QueueId, start: str, end: str
) -> Response:
    return _export(request, caller, queue_id, start, end)


def _bound(value: str, zone: ZoneInfo, *, end: bool) -> datetime:
    """Read a period bound; a bare date as `to` includes that whole day."""
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
