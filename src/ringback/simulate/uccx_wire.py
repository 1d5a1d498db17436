"""The UCCX simulator's wire format, as shared/spec/uccx-callback-server-api.txt shows it.

One tab per level, one element per line, a final newline; values escaped.
"""

from __future__ import annotations

from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeXml

from ringback.simulate.uccx_model import CsqFigures

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def csq_stats(name: str, figures: CsqFigures | None) -> str:
    """The document's CSQStats answer; an unknown CSQ shows the document's own -1 figures."""
    unknown = CsqFigures(-1, -1, -1, -1, -1, -1, -1, 0)
    shown = figures or unknown
    values = [
        ("LoggedIn", shown.logged_in), ("Talking", shown.talking), ("Ready", shown.ready),
        ("NotReady", shown.not_ready), ("Work", shown.work),
        ("CallsWaiting", shown.calls_waiting), ("LongestQueueTime", shown.longest_queue_time),
        ("TotalInQueue", shown.total_in_queue),
    ]  # fmt: skip
    lines = [DECLARATION, "<CSQStats>", f'\t<CSQ name="{escape(name, {chr(34): "&quot;"})}">']
    lines += [f"\t\t<{tag}>{value}</{tag}>" for tag, value in values]
    lines += ["\t</CSQ>", "</CSQStats>"]
    return "\n".join(lines) + "\n"


def session_answer(csq: str | None) -> str:
    """The document's ``/stats?sessionid=`` answer; None is its error answer (Code -1)."""
    code = -1 if csq is None else 0
    lines = [
        DECLARATION,
        "<Response>",
        f"\t<Code>{code}</Code>",
        f"\t<csq>{escape(csq or '')}</csq>",
    ]
    return "\n".join([*lines, "</Response>"]) + "\n"


def response(description: str, code: int) -> str:
    """The trigger's answer: Description and Code."""
    lines = [DECLARATION, "<Response>", f"\t<Description>{escape(description)}</Description>",
             f"\t<Code>{code}</Code>", "</Response>"]  # fmt: skip
    return "\n".join(lines) + "\n"


def read_answer(body: bytes, status: int) -> tuple[int, str]:
    """Read a Callback Server answer: its Code (-1 when unreadable) and Description."""
    try:
        root = SafeXml.fromstring(body)
    except (ParseError, defusedxml.DefusedXmlException, ValueError):
        return -1, f"HTTP {status}: not a Callback Server answer"
    code, description = root.findtext("Code"), root.findtext("Description") or ""
    try:
        return int(code or "-1"), description
    except ValueError:
        return -1, description
