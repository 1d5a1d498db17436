"""The config-mgt CSV: the pipe-separated import of requests, and the tickets' export.

An import's lines end at LF, CRLF or CR only; each line it cannot read is reported with its
number (1 = the header) among the refused lines. The export defuses every cell that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from ringback.dialects.xivo_configmgt.model import parse_date
from ringback.dialects.xivo_configmgt.requests import LineError, RequestFields
from ringback.dialects.xivo_configmgt.wire import REQUEST_FIELDS, TooLarge, instant
from ringback.dialects.xivo_configmgt.workflow import TicketLine
from ringback.domain import errors

CSV_HEADER = REQUEST_FIELDS
TICKET_CSV_HEADER = ("uuid", "requestUuid", "listUuid", "phoneNumber", "mobilePhoneNumber",
                     "firstName", "lastName", "company", "description", "dueDate", "agent",
                     "startDate", "lastUpdate", "status", "comment")  # fmt: skip
CSV_LINE_END = re.compile(r"\r\n|\r|\n")
#: characters that make a spreadsheet read a cell as a formula (CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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
