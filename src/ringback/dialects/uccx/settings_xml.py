"""The `<Settings><callback>` document of getsettings and setsettings (docs/dialects/uccx.md).

    <Settings>
        <callback>
            <uccx><master_node>...</master_node><port>9080</port>...</uccx>
            <csqs>
                <csq><id>1</id><name>Main</name><aliases><value>Sales</value></aliases>...</csq>
            </csqs>
        </callback>
    </Settings>

Every element of `<uccx>` is a field of UccxConnection, every element of `<csq>` a field of
QueueSettings, under the same name, so that the document round-trips whatever the settings hold.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from enum import Enum
from typing import Any
from xml.etree.ElementTree import Element as XmlElement
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as SafeXml

from ringback.dialects.uccx.csq_settings import CsqSettings, UccxSettings
from ringback.dialects.uccx.wire import Element, boolean
from ringback.domain import errors
from ringback.domain.queues import QueueSettings
from ringback.telephony.uccx import UccxConnection

MAX_SETTINGS_BYTES = 256 * 1024
_INTEGER = re.compile(r"-?[0-9]{1,12}")
#: queue ids are INTEGER columns: a bigger id would fail in the database, not here
MAX_QUEUE_ID = 2**31 - 1
_FIELDS = {
    cls: {f.name: f for f in dataclasses.fields(cls)} for cls in (QueueSettings, UccxConnection)
}


def render(settings: UccxSettings) -> Element:
    """Return the `<Settings>` element of getsettings."""
    csqs: list[Element] = [
        ("csq", [("id", str(queue.id)), *_fields(queue.settings)]) for queue in settings.queues
    ]
    return ("Settings", [("callback", [("uccx", _fields(settings.connection)), ("csqs", csqs)])])


def _fields(value: QueueSettings | UccxConnection) -> list[Element]:
    out: list[Element] = []
    for item in dataclasses.fields(value):
        out.append((item.name, _text(getattr(value, item.name))))
    return out


def _text(value: object) -> str | Sequence[Element]:
    if isinstance(value, tuple):
        return [("value", str(v)) for v in value]
    if isinstance(value, bool):
        return boolean(value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return repr(value)
    return "" if value is None else str(value)


def parse(data: bytes) -> tuple[list[CsqSettings] | None, UccxConnection | None]:
    """Parse a setsettings body; None for a part the document leaves out."""
    callback = _callback(_root(data))
    _only(callback, {"uccx", "csqs"})
    _at_most_once(callback, "uccx", "csqs")
    uccx = callback.find("uccx")
    csqs = callback.find("csqs")
    connection = UccxConnection(**_values(uccx, UccxConnection)) if uccx is not None else None
    if csqs is None:
        return None, connection
    _only(csqs, {"csq"})
    return [_csq(element) for element in csqs], connection


def _root(data: bytes) -> XmlElement:
    if not data.strip():
        raise errors.Invalid("setsettings needs the XML settings in the request body")
    if len(data) > MAX_SETTINGS_BYTES:
        raise errors.Invalid(f"the settings exceed {MAX_SETTINGS_BYTES} bytes")
    try:
        root: XmlElement = SafeXml.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise errors.Invalid(f"the settings XML is refused: {type(exc).__name__}") from exc
    except ParseError as exc:
        raise errors.Invalid(f"the settings are not well-formed XML: {exc}") from exc
    return root


def _callback(root: XmlElement) -> XmlElement:
    # A getsettings answer posted back as it is (inside <Response>) is accepted too.
    if root.tag == "Response":
        _at_most_once(root, "Settings")
    settings = root.find("Settings") if root.tag == "Response" else root
    if settings is None or settings.tag != "Settings":
        raise errors.Invalid("the settings must be a <Settings> document")
    _only(settings, {"callback"})
    _at_most_once(settings, "callback")
    callback = settings.find("callback")
    if callback is None:
        raise errors.Invalid("<Settings> must hold a <callback> element")
    return callback


def _only(parent: XmlElement, allowed: set[str]) -> None:
    """Refuse children other than `allowed`, and text between them (nothing is ignored)."""
    _no_loose_text(parent)
    for child in parent:
        if child.tag not in allowed:
            raise errors.Invalid(f"unexpected element <{child.tag}> in <{parent.tag}>")


def _at_most_once(parent: XmlElement, *tags: str) -> None:
    """Refuse a repeated element: only the first would be read, the others silently dropped."""
    for tag in tags:
        if len(parent.findall(tag)) > 1:
            raise errors.Invalid(f"<{tag}> appears more than once in <{parent.tag}>", field=tag)


def _no_loose_text(parent: XmlElement) -> None:
    """Refuse text in an element that holds elements: it would be dropped without a word."""
    loose = [parent.text or "", *(child.tail or "" for child in parent)]
    if any(text.strip() for text in loose):
        raise errors.Invalid(f"<{parent.tag}> holds text outside its elements")


def _csq(element: XmlElement) -> CsqSettings:
    _at_most_once(element, "id")
    id_element = element.find("id")
    queue_id = None
    if id_element is not None:
        queue_id = _integer("id", id_element.text or "")
        if not 1 <= queue_id <= MAX_QUEUE_ID:
            raise errors.Invalid(f"id must be an integer from 1 to {MAX_QUEUE_ID}", field="id")
        element.remove(id_element)
    values = _values(element, QueueSettings)
    if "name" not in values:
        raise errors.Invalid("every <csq> needs a <name>", field="name")
    return CsqSettings(queue_id, QueueSettings(**values))


def _values(parent: XmlElement, cls: type[QueueSettings] | type[UccxConnection]) -> dict[str, Any]:
    known = _FIELDS[cls]
    values: dict[str, Any] = {}
    _no_loose_text(parent)
    for child in parent:
        item = known.get(child.tag)
        if item is None:
            raise errors.Invalid(
                f"unknown setting <{child.tag}> in <{parent.tag}>", field=child.tag
            )
        if child.tag in values:
            raise errors.Invalid(f"setting <{child.tag}> repeats", field=child.tag)
        values[child.tag] = _value(child, item.default)
    return values


def _value(element: XmlElement, default: object) -> object:
    name, text = element.tag, (element.text or "").strip()
    if isinstance(default, tuple):
        _only(element, {"value"})
        return tuple(_leaf_text(child) for child in element)
    if len(element):
        raise errors.Invalid(f"setting <{name}> must hold text, not elements", field=name)
    if isinstance(default, bool):
        if text.lower() not in ("true", "false"):
            raise errors.Invalid(f"{name} must be true or false, got {text!r}", field=name)
        return text.lower() == "true"
    if isinstance(default, Enum):
        try:
            return type(default)(text)
        except ValueError as exc:
            raise errors.Invalid(f"{name} cannot be {text!r}", field=name) from exc
    if isinstance(default, int):
        return _integer(name, text)
    if isinstance(default, float):
        return _number(name, text)
    if default is None:
        return text or None
    return text


def _leaf_text(element: XmlElement) -> str:
    if len(element):
        raise errors.Invalid(f"<{element.tag}> must hold text, not elements", field=element.tag)
    return (element.text or "").strip()


def _integer(name: str, text: str) -> int:
    text = text.strip()
    if not _INTEGER.fullmatch(text):
        raise errors.Invalid(f"{name} must be an integer, got {text!r}", field=name)
    return int(text)


def _number(name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise errors.Invalid(f"{name} must be a number, got {text!r}", field=name) from exc
    if not math.isfinite(value):
        raise errors.Invalid(f"{name} must be a finite number", field=name)
    return value
