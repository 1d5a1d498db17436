"""The UCCX routes: one path, `/callbackmanagement?operation=...`, and a table of operations.

The application answers at PREFIX itself, so that it can be served alone (the vendor's own port)
or routed to from the main application. It is routed, not mounted: a Starlette mount answers
`/callbackmanagement?...` with a redirect to `/callbackmanagement/?...`, which UCCX scripts do
not follow. Each operation parses its parameters, calls one service, and shapes the answer;
every error becomes Code -1 in errors.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback import __version__
from ringback.dialects.bodies import read_capped
from ringback.dialects.uccx import auth, errors, settings_xml
from ringback.dialects.uccx.csq_settings import UccxSettingsService
from ringback.dialects.uccx.service import RecordView, UccxRecord, UccxService
from ringback.dialects.uccx.settings_xml import MAX_SETTINGS_BYTES
from ringback.dialects.uccx.wire import (
    MEDIA_TYPE,
    Element,
    Params,
    Reply,
    boolean,
    day_first_time,
    epoch_millis,
    render,
    us_time,
)
from ringback.domain import errors as domain_errors
from ringback.domain.people import Principal
from ringback.services.callbacks import MAX_PAGE
from ringback.services.users import UserService

PREFIX = "/callbackmanagement"
FORM = "application/x-www-form-urlencoded"
METHODS = ["GET", "POST"]


@dataclass(frozen=True, slots=True)
class Site:
    """What every operation is served with: the services, the dates' zone, trusted hosts."""

    service: UccxService
    settings: UccxSettingsService
    users: UserService
    zone: ZoneInfo
    trusted_hosts: frozenset[str]


def build(site: Site) -> FastAPI:
    """Return the UCCX application, answering at PREFIX itself."""
    app = FastAPI(title="ringback UCCX dialect", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(StarletteHTTPException)
    async def refused_by_routing(request: Request, exc: StarletteHTTPException) -> Response:
        """A wrong method (or path, when served alone) gets Code -1 XML, not a JSON body."""
        operation = request.query_params.get("operation", "").lower()
        description = f"{request.method} {request.url.path}: {exc.detail}"
        if exc.status_code == 405:
            description = f"method {request.method} is not allowed; use GET or POST"
        reply = errors.failure(operation, description, exc.status_code)
        headers = {"Allow": ", ".join(METHODS)} if exc.status_code == 405 else None
        return Response(
            render(reply), status_code=exc.status_code, media_type=MEDIA_TYPE, headers=headers
        )

    @app.api_route(PREFIX, methods=METHODS, include_in_schema=False)
    async def callbackmanagement(request: Request) -> Response:
        body = await _body(request)
        operation = request.query_params.get("operation", "")
        try:
            if len(body) > MAX_SETTINGS_BYTES:  # only its start was read: refuse, never half-read
                raise domain_errors.Invalid(f"the body exceeds {MAX_SETTINGS_BYTES} bytes")
            content_type = request.headers.get("content-type", "").lower()  # case-insensitive
            form = body if content_type.startswith(FORM) else None
            params = Params.of(request.query_params.multi_items(), form)
            operation = params.get("operation").strip().lower()
            reply = await run_in_threadpool(_serve, site, request, params, body)
        except Exception as exc:  # the one place every error becomes Code -1
            reply = errors.from_error(operation.lower(), exc)
        return _response(reply)

    return app


async def _body(request: Request) -> bytes:
    """Read the body up to the settings limit (a bigger one is refused by setsettings)."""
    return await read_capped(request, MAX_SETTINGS_BYTES)


def _serve(site: Site, request: Request, params: Params, body: bytes) -> Reply:
    """Authenticate the caller (unless the operation carries its own credential) and serve."""
    operation = params.get("operation").strip().lower()
    if not operation:
        raise domain_errors.Invalid("operation is required", field="operation")
    handler = OPERATIONS.get(operation)
    if handler is None:
        raise domain_errors.Invalid(f"unknown operation {params.get('operation')!r}")
    host = request.client.host if request.client else None
    if operation in OPEN_OPERATIONS:
        caller = _nobody
    else:
        authorization = request.headers.get("authorization")
        actor = auth.principal(authorization, host, site.users, site.trusted_hosts)
        caller = lambda: actor  # noqa: E731
    call = Operation(caller, params, body, site.service, site.settings, site.zone, host or "")
    return handler(call)


def _nobody() -> Principal:
    raise domain_errors.Unauthenticated("authentication required")


def _response(reply: Reply) -> Response:
    headers = {"WWW-Authenticate": errors.CHALLENGE} if reply.status == 401 else None
    return Response(render(reply), status_code=reply.status, media_type=MEDIA_TYPE, headers=headers)


@dataclass(frozen=True, slots=True)
class Operation:
    """What an operation gets: the caller, its parameters and body, and where to act."""

    caller: Callable[[], Principal]
    params: Params
    body: bytes
    service: UccxService
    settings: UccxSettingsService
    zone: ZoneInfo
    #: the client's address (failed authenticateuser checks are counted by it)
    address: str = ""

    @property
    def actor(self) -> Principal:
        """Return who calls (authenticated before the operation runs)."""
        return self.caller()


def add_record(r: Operation) -> Reply:
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


def update_record(r: Operation) -> Reply:
    """updaterecord: move a record as the UCCX script reports."""
    p = r.params
    external_id = p.required("id")
    after = r.service.update_status(r.actor, external_id, p.required("status"), p.get("agentid"))
    return Reply(f"Record with id {external_id} was updated to status {after.telephony_status}")


def remove_record(r: Operation) -> Reply:
    """removerecord: cancel a record."""
    external_id = r.params.required("id")
    r.service.remove(r.actor, external_id)
    return Reply(f"Record with id {external_id}  was removed from the list.")


def get_records(r: Operation) -> Reply:
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


def check_dnis_in_use(r: Operation) -> Reply:
    """checkdnisinuse: whether an open callback exists for this number."""
    in_use = r.service.dnis_in_use(r.actor, r.params.required("dnis"))
    return Reply(elements=[("DNISInUse", boolean(in_use))])


def check_server_status(r: Operation) -> Reply:
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


def check_csq_status(r: Operation) -> Reply:
    """checkcsqstatus: whether the CSQ accepts callbacks now."""
    s = r.service.csq_status(r.actor, r.params.required("csq"))
    return Reply(
        elements=[
            ("AcceptingCallbacks", boolean(s.accepting)),
            ("SettingsLastUpdate", day_first_time(s.settings_updated_at, r.zone)),
        ]
    )


def authenticate_user(r: Operation) -> Reply:
    """authenticateuser: whether base64(user:password) names a ringback user."""
    ok = r.service.authenticate(r.params.required("token"), r.address)
    return Reply(elements=[("Authenticated", boolean(ok))])


def get_settings(r: Operation) -> Reply:
    """getsettings: the UCCX connection and every CSQ's settings."""
    return Reply(elements=[settings_xml.render(r.settings.get(r.actor))])


def set_settings(r: Operation) -> Reply:
    """setsettings: replace the settings the body's XML gives, all or nothing."""
    csqs, connection = settings_xml.parse(r.body)
    r.settings.set(r.actor, csqs, connection)
    return Reply()


def get_csq_list(r: Operation) -> Reply:
    """getcsqlist: the names of the CSQs."""
    return Reply(elements=[("csqs", [("csq", name) for name in r.service.csq_names(r.actor)])])


def get_contact_position_offset(r: Operation) -> Reply:
    """getcontactpositionoffset: waiting callbacks of the CSQ that entered before this contact."""
    p = r.params
    offset = r.service.position_offset(r.actor, p.required("contactid"), p.required("targetcsq"))
    return Reply(elements=[("ContactPositionOffset", str(offset))])


OPERATIONS: dict[str, Callable[[Operation], Reply]] = {
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
