"""One function per `operation=`: parse its parameters, call one service, shape the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ringback import __version__
from ringback.dialects.uccx import settings_xml
from ringback.dialects.uccx.wire import (
    Element,
    Params,
    Reply,
    boolean,
    day_first_time,
    epoch_millis,
    us_time,
)
from ringback.domain.people import Principal
from ringback.services.callbacks import MAX_PAGE
from ringback.services.uccx import RecordView, UccxRecord, UccxService


@dataclass(frozen=True, slots=True)
class Request:
    """What an operation gets: the caller, its parameters and body, and where to act."""

    caller: Callable[[], Principal]
    params: Params
    body: bytes
    service: UccxService
    zone: ZoneInfo
    #: the client's address (failed authenticateuser checks are counted by it)
    address: str = ""

    @property
    def actor(self) -> Principal:
        """Return who calls (authenticated before the operation runs)."""
        return self.caller()


def add_record(r: Request) -> Reply:
    """addrecord: create a callback in `targetcsq`."""
    new = _new_record(r.params)
    r.service.add_record(r.actor, new)
    # The document's answer has two spaces before "was"; kept, since clients may match on it.
    return Reply(f"Record with id {new.external_id}  was added to the list.")


def _new_record(p: Params) -> UccxRecord:
    return UccxRecord(
        external_id=p.required("id"),
        dnis=p.required("dnis"),
        target_csq=p.required("targetcsq"),
        origin_csq=p.get("origincsq"),
        prompt=p.get("prompt"),
        session_id=p.get("sessionid"),
        impl_id=p.get("implid"),
        contact_id=p.get("contactid"),
        queue_start_time=epoch_millis(p.get("queuestarttime"), "queuestarttime"),
        language=p.get("language"),
        custom_vars=tuple(p.get(f"customvar{i}") for i in range(1, 6)),
    )


def update_record(r: Request) -> Reply:
    """updaterecord: move a record as the UCCX script reports."""
    p = r.params
    external_id = p.required("id")
    after = r.service.update_status(r.actor, external_id, p.required("status"), p.get("agentid"))
    return Reply(f"Record with id {external_id} was updated to status {after.telephony_status}")


def remove_record(r: Request) -> Reply:
    """removerecord: cancel a record."""
    external_id = r.params.required("id")
    r.service.remove(r.actor, external_id)
    return Reply(f"Record with id {external_id}  was removed from the list.")


def get_records(r: Request) -> Reply:
    """getrecords: the open records, with optional csq, status and paging filters."""
    p = r.params
    views = r.service.records(
        r.actor, csq=p.get("csq").strip() or None, status=p.get("status").strip() or None,
        offset=p.integer("offset", 0), limit=p.integer("limit", MAX_PAGE),
    )  # fmt: skip
    return Reply(elements=[("callbackrecords", [_record(v, r.zone) for v in views])])


def _record(view: RecordView, zone: ZoneInfo) -> Element:
    c = view.callback
    fields: list[Element] = [
        ("id", c.external_id or str(c.id)),
        ("contactid", c.uccx.contact_id),
        ("implid", c.uccx.impl_id),
        ("sessionid", c.uccx.session_id),
        ("dnis", c.uccx.dnis or c.customer_number),
        ("origincsq", c.uccx.origin_csq),
        ("targetcsq", view.csq),
        ("prompt", c.prompt),
        ("requestdate", us_time(c.created_at, zone)),
        ("status", view.status),
        ("language", c.language),
    ]
    custom = list(c.uccx.custom_vars) + [""] * 5
    fields += [(f"customvar{i}", custom[i - 1]) for i in range(1, 6)]
    return ("record", fields)


def check_dnis_in_use(r: Request) -> Reply:
    """checkdnisinuse: whether an open callback exists for this number."""
    in_use = r.service.dnis_in_use(r.actor, r.params.required("dnis"))
    return Reply(elements=[("DNISInUse", boolean(in_use))])


def check_server_status(r: Request) -> Reply:
    """checkserverstatus: open records (of the caller's CSQs), clocks, version, settings, node."""
    s = r.service.server_status(r.actor)
    return Reply(
        elements=[
            ("CallbackRequestsInMemory", str(s.open_callbacks)),
            ("SystemTime", us_time(s.system_time, r.zone)),
            ("ServiceLastStarted", us_time(s.started_at, r.zone)),
            ("ProductVersion", __version__),
            ("SettingsLastUpdate", day_first_time(s.settings_updated_at, r.zone)),
            ("UCCXMasterNode", s.master_node),
        ]
    )


def check_csq_status(r: Request) -> Reply:
    """checkcsqstatus: whether the CSQ accepts callbacks now."""
    s = r.service.csq_status(r.actor, r.params.required("csq"))
    return Reply(
        elements=[
            ("AcceptingCallbacks", boolean(s.accepting)),
            ("SettingsLastUpdate", day_first_time(s.settings_updated_at, r.zone)),
        ]
    )


def authenticate_user(r: Request) -> Reply:
    """authenticateuser: whether base64(user:password) names a ringback user."""
    ok = r.service.authenticate(r.params.required("token"), r.address)
    return Reply(elements=[("Authenticated", boolean(ok))])


def get_settings(r: Request) -> Reply:
    """getsettings: the UCCX connection and every CSQ's settings."""
    return Reply(elements=[settings_xml.render(r.service.get_settings(r.actor))])


def set_settings(r: Request) -> Reply:
    """setsettings: replace the settings the body's XML gives, all or nothing."""
    csqs, connection = settings_xml.parse(r.body)
    r.service.set_settings(r.actor, csqs, connection)
    return Reply()


def get_csq_list(r: Request) -> Reply:
    """getcsqlist: the names of the CSQs."""
    return Reply(elements=[("csqs", [("csq", name) for name in r.service.csq_names(r.actor)])])


def get_contact_position_offset(r: Request) -> Reply:
    """getcontactpositionoffset: waiting callbacks of the CSQ that entered before this contact."""
    p = r.params
    offset = r.service.position_offset(r.actor, p.required("contactid"), p.required("targetcsq"))
    return Reply(elements=[("ContactPositionOffset", str(offset))])


OPERATIONS: dict[str, Callable[[Request], Reply]] = {
    "addrecord": add_record,
    "updaterecord": update_record,
    "removerecord": remove_record,
    "getrecords": get_records,
    "checkdnisinuse": check_dnis_in_use,
    "checkserverstatus": check_server_status,
    "checkcsqstatus": check_csq_status,
    "authenticateuser": authenticate_user,
    "getsettings": get_settings,
    "setsettings": set_settings,
    "getcsqlist": get_csq_list,
    "getcontactpositionoffset": get_contact_position_offset,
}
#: the token it carries is the credential: it needs no caller authentication of its own
OPEN_OPERATIONS = frozenset({"authenticateuser"})
