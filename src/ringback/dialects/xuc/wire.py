"""Reading and writing xuc 2.0: JSON bodies, CSV cells, and each part's fields and answers."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from uuid import UUID

from pydantic import Field, TypeAdapter, ValidationError
from starlette.responses import Response

from ringback.dialects.xuc.contacts import CSV_COLUMNS, ContactFields, PersonalContact
from ringback.dialects.xuc.errors import Part, XucError, bad_json, invalid, missing_body
from ringback.dialects.xuc.service import ImportLine, ImportResult
from ringback.dialects.xuc.sessions import IssuedToken
from ringback.domain import errors

#: the document's mobile examples end their object with a comma: `{ "token": "1234-5678", }`
TRAILING_COMMA = re.compile(r",\s*}\s*$")
#: cells a spreadsheet would run as a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: a phone number in international form is data, not a formula
PHONE = re.compile(r"^\+[0-9 ]+$")
CSV_TYPE = "text/csv; charset=UTF-8"
#: ids are stored as 32-bit integers: a larger one names nothing
MAX_ID = 2**31 - 1
#: a queue id of a path, read as FastAPI's path parameters were (pydantic's lax integers)
QUEUE_ID = TypeAdapter(Annotated[int, Field(ge=1, le=MAX_ID)])
#: the list's columns, as the document shows them
HEADERS = ["Firstname", "Lastname", "Number", "Mobile", "Favorite"]
#: xuc's phone hint status for a number whose line it does not watch
UNKNOWN_STATUS = -2
#: the JSON fields of one contact, in the document's order
CONTACT_FIELDS = ("firstname", "lastname", "number", "mobile", "fax", "email", "company")
MAX_IMPORT_LINES = 5000
API_VERSION = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$")


def json_object(body: bytes, part: Part, *, lenient: bool = False) -> dict[str, Any]:
    """Parse a body that must be a JSON object; `lenient` forgives a trailing comma."""
    if not body.strip():
        raise missing_body(part)
    try:
        text = body.decode("utf-8")
        value = _loads(text, lenient)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_json(part, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise bad_json(part, "the body must be a JSON object")
    if not _encodable(value):
        # "\ud800" is valid JSON but no character: the database could not store it.
        raise bad_json(part, "the body holds a lone surrogate (\\ud800-\\udfff), not text")
    return value


def _encodable(value: Any) -> bool:
    """Tell whether every string of a parsed JSON value can be written as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _loads(text: str, lenient: bool) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        if lenient and TRAILING_COMMA.search(text):
            return json.loads(TRAILING_COMMA.sub("}", text))
        raise


def safe_cell(value: str) -> str:
    """Neutralise a CSV cell a spreadsheet would run as a formula (phone numbers excepted)."""
    if value.startswith(FORMULA_START) and not PHONE.match(value):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """Undo `safe_cell`, so that an exported file imports back as it was."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def csv_file(header: Iterable[str], rows: Iterable[Iterable[str]]) -> Response:
    """Render a CSV answer: the header, then each row with its cells made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return Response(out.getvalue().encode("utf-8"), media_type=CSV_TYPE)


def queue_id(raw: str) -> int:
    """Read the `{queueId}` of a path: an integer from 1 to MAX_ID."""
    try:
        return QUEUE_ID.validate_python(raw)
    except ValidationError as exc:
        problems = [f"path.queue_id: {error['msg']}" for error in exc.errors()]
        raise invalid(Part.QUALIFICATIONS, "; ".join(problems)) from exc


# --- auth -------------------------------------------------------------------------------


def credentials(body: bytes) -> tuple[str, str]:
    """Read a login body: exactly a login and a password, both strings."""
    values = json_object(body, Part.AUTH)
    name, password = values.get("login"), values.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        raise bad_json(Part.AUTH, "login and password must be strings")
    if set(values) != {"login", "password"}:
        raise bad_json(Part.AUTH, "the body holds only login and password")
    return name, password


def with_ttl(issued: IssuedToken) -> dict[str, Any]:
    """Render a token as the login and check answers show it."""
    return {"login": issued.login, "token": issued.token, "TTL": issued.ttl_seconds}


def without_ttl(issued: IssuedToken) -> dict[str, Any]:
    """Render a token as the SSO answers of the document show it: login and token only."""
    return {"login": issued.login, "token": issued.token}


# --- personal contacts ------------------------------------------------------------------


def contact_list(contacts: Iterable[PersonalContact]) -> dict[str, Any]:
    """Render the list of a user's contacts, with the document's headers."""
    return {"entries": [_entry(c) for c in contacts], "headers": HEADERS}


def _entry(contact: PersonalContact) -> dict[str, Any]:
    f = contact.fields
    # Favorites are set over the CTI websocket, which ringback does not serve: never one.
    return {
        "status": UNKNOWN_STATUS,
        "entry": [f.firstname, f.lastname, f.number, f.mobile, "false"],
    }


def contact_out(found: PersonalContact) -> dict[str, str]:
    """Render one contact with its id."""
    values = {name: getattr(found.fields, name) for name in CONTACT_FIELDS}
    return {"id": str(found.id)} | values


def contact_id(raw: str) -> UUID:
    """Read a contact id of a path; one that is no UUID names no contact."""
    try:
        return UUID(raw)
    except ValueError as exc:
        raise errors.NotFound(f"contact {raw} does not exist") from exc


def contact_fields(body: dict[str, Any]) -> ContactFields:
    """Read a contact's fields: known names only, strings or null."""
    unknown = sorted(set(body) - set(CONTACT_FIELDS))
    if unknown:
        raise XucError("InvalidContact", 400, f"unknown field(s): {', '.join(unknown)}")
    values = {name: "" if value is None else value for name, value in body.items()}
    for name, value in values.items():
        if not isinstance(value, str):
            raise XucError("InvalidContact", 400, f"{name} must be a string")
    return ContactFields(**{name: value.strip() for name, value in values.items()})


def updated_fields(body: bytes, raw_id: str) -> ContactFields:
    """Read an update: the contact's fields, and at most the id of the path."""
    values = json_object(body, Part.CONTACTS)
    if "id" in values and values.pop("id") != raw_id:
        raise XucError("InvalidContact", 400, "the body's id is not the id in the path")
    return contact_fields(values)


def contacts_csv(contacts: Iterable[PersonalContact]) -> Response:
    """Render the export: the seven columns, one contact per line."""
    rows = ([getattr(c.fields, name) for name in CSV_COLUMNS] for c in contacts)
    return csv_file(CSV_COLUMNS, rows)


def import_answer(result: ImportResult) -> dict[str, Any]:
    """Render what an import created and which lines failed."""
    return {
        "created": [{"id": str(c.id), "lastname": c.fields.lastname} for c in result.created],
        "failed": [{"line": line, "errors": problems} for line, problems in result.failed],
    }


def csv_lines(body: bytes) -> list[ImportLine]:
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


# --- mobile -----------------------------------------------------------------------------


def push_token(body: bytes) -> str:
    """Read a push registration: exactly a token string (a trailing comma forgiven)."""
    values = json_object(body, Part.MOBILE, lenient=True)
    token = values.get("token")
    if not isinstance(token, str):
        raise bad_json(Part.MOBILE, "token must be a string")
    if set(values) != {"token"}:
        raise bad_json(Part.MOBILE, "the body holds only a token")
    return token


def api_version(query: Mapping[str, str]) -> str:
    """Read the `apiVersion` a registration names, `""` when it names none."""
    version = query.get("apiVersion", "")
    if version and not API_VERSION.match(version):
        raise bad_json(Part.MOBILE, "apiVersion must look like 2.0")
    return version
