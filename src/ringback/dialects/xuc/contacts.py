"""Personal contacts: list, get, create, update, delete, and CSV export and import."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ringback.dialects.xuc.errors import Part, XucError
from ringback.dialects.xuc.wire import Caller, json_object, safe_cell, unsafe_cell
from ringback.domain import errors
from ringback.domain.contacts import CSV_COLUMNS, ContactFields, PersonalContact
from ringback.services.contacts import ContactService, ImportLine, ImportResult

router = APIRouter()

#: the list's columns, as the document shows them
HEADERS = ["Firstname", "Lastname", "Number", "Mobile", "Favorite"]
#: xuc's phone hint status for a number whose line it does not watch
UNKNOWN_STATUS = -2
#: the JSON fields of one contact, in the document's order
JSON_FIELDS = ("firstname", "lastname", "number", "mobile", "fax", "email", "company")
MAX_IMPORT_LINES = 5000
CSV_TYPE = "text/csv; charset=UTF-8"


def _service(request: Request) -> ContactService:
    service: ContactService = request.app.state.services.contacts
    return service


@router.get("/contact/personal")
def list_contacts(request: Request, caller: Caller) -> dict[str, Any]:
    contacts = _service(request).list(caller.name)
    return {"entries": [_entry(c) for c in contacts], "headers": HEADERS}


def _entry(contact: PersonalContact) -> dict[str, Any]:
    f = contact.fields
    # Favorites are set over the CTI websocket, which ringback does not serve: never one.
    return {
        "status": UNKNOWN_STATUS,
        "entry": [f.firstname, f.lastname, f.number, f.mobile, "false"],
    }


@router.get("/contact/personal/{contact_id}")
def get_contact(request: Request, caller: Caller, contact_id: str) -> dict[str, str]:
    return _out(_service(request).get(caller.name, _id(contact_id)))


@router.post("/contact/personal", status_code=201)
async def create_contact(request: Request, caller: Caller) -> JSONResponse:
    fields = _fields(json_object(await request.body(), Part.CONTACTS))
    created = await run_in_threadpool(_service(request).create, caller.name, fields)
    return JSONResponse(_out(created), status_code=201)


@router.put("/contact/personal/{contact_id}")
async def update_contact(request: Request, caller: Caller, contact_id: str) -> dict[str, str]:
    wanted = _id(contact_id)
    body = json_object(await request.body(), Part.CONTACTS)
    if "id" in body and body.pop("id") != contact_id:
        raise XucError("InvalidContact", 400, "the body's id is not the id in the path")
    updated = await run_in_threadpool(_service(request).update, caller.name, wanted, _fields(body))
    return _out(updated)


@router.delete("/contact/personal/{contact_id}", status_code=204)
def delete_contact(request: Request, caller: Caller, contact_id: str) -> Response:
    _service(request).delete(caller.name, _id(contact_id))
    return Response(status_code=204)


@router.delete("/contact/personal", status_code=204)
def delete_all_contacts(request: Request, caller: Caller) -> Response:
    _service(request).delete_all(caller.name)
    return Response(status_code=204)


@router.get("/contact/export/personal")
def export_contacts(request: Request, caller: Caller) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for contact in _service(request).list(caller.name):
        writer.writerow([safe_cell(getattr(contact.fields, name)) for name in CSV_COLUMNS])
    return Response(out.getvalue().encode("utf-8"), media_type=CSV_TYPE)


@router.post("/contact/import/personal", status_code=201)
async def import_contacts(request: Request, caller: Caller) -> JSONResponse:
    lines = _csv_lines(await request.body())
    result = await run_in_threadpool(_service(request).import_lines, caller.name, lines)
    return JSONResponse(_import_answer(result), status_code=201)


def _import_answer(result: ImportResult) -> dict[str, Any]:
    return {
        "created": [{"id": str(c.id), "lastname": c.fields.lastname} for c in result.created],
        "failed": [{"line": line, "errors": problems} for line, problems in result.failed],
    }


def _out(contact: PersonalContact) -> dict[str, str]:
    return {"id": str(contact.id)} | {name: getattr(contact.fields, name) for name in JSON_FIELDS}


def _id(contact_id: str) -> UUID:
    try:
        return UUID(contact_id)
    except ValueError as exc:
        raise errors.NotFound(f"contact {contact_id} does not exist") from exc


def _fields(body: dict[str, Any]) -> ContactFields:
    unknown = sorted(set(body) - set(JSON_FIELDS))
    if unknown:
        raise XucError("InvalidContact", 400, f"unknown field(s): {', '.join(unknown)}")
    values = {name: "" if value is None else value for name, value in body.items()}
    for name, value in values.items():
        if not isinstance(value, str):
            raise XucError("InvalidContact", 400, f"{name} must be a string")
    return ContactFields(**{name: value.strip() for name, value in values.items()})


def _csv_lines(body: bytes) -> list[ImportLine]:
    """Read the import: a header naming the columns, then one contact per line."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise XucError("InvalidContact", 400, "the CSV must be UTF-8") from exc
    if "\n" not in text and "\\n" in text:
        # The document's own curl sends '\n' as two characters inside single quotes.
        text = text.replace("\\n", "\n")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _read_lines(reader)
    except csv.Error as exc:  # a cell over csv.field_size_limit(), mostly
        raise XucError(
            "InvalidContact", 400, f"the CSV cannot be read near line {reader.line_num}: {exc}"
        ) from exc


def _read_lines(reader: Any) -> list[ImportLine]:
    columns = _header(next(reader, None))
    lines: list[ImportLine] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_IMPORT_LINES:
            raise XucError("InvalidContact", 400, f"an import has at most {MAX_IMPORT_LINES} lines")
        lines.append(_line(reader.line_num, row, columns))
    return lines


def _header(row: list[str] | None) -> list[str]:
    if row is None:
        raise XucError("InvalidContact", 400, "the CSV is empty: a header line is required")
    columns = [cell.strip().lower() for cell in row]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown or len(set(columns)) != len(columns):
        raise XucError(
            "InvalidContact",
            400,
            f"the header must name distinct columns among {','.join(CSV_COLUMNS)}",
        )
    return columns


def _line(number: int, row: list[str], columns: list[str]) -> ImportLine:
    if len(row) > len(columns):
        return ImportLine(number, error="too many fields")
    if len(row) < len(columns):
        return ImportLine(number, error="too few fields")
    values = {name: unsafe_cell(cell.strip()) for name, cell in zip(columns, row, strict=True)}
    return ImportLine(number, values)
