"""The xuc 2.0 routes: one table of (method, path, handler), served through one endpoint.

The endpoint reads the body (capped), runs the handler in the thread pool, and turns any
exception into xuc's error shape (errors.py). Handlers of a logged-in user's APIs first find
the caller from its xuc token (auth.py). Each handler parses (wire.py), calls one use case and
renders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from zoneinfo import ZoneInfo

from anyio import from_thread
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ringback.dialects.bodies import read_capped
from ringback.dialects.xuc import auth, cas, errors, qualifications, wire
from ringback.dialects.xuc.auth import SsoConfig
from ringback.dialects.xuc.errors import Part
from ringback.dialects.xuc.service import ContactService
from ringback.dialects.xuc.sessions import XucAuthService
from ringback.domain.people import Principal
from ringback.services.qualifications import QualificationService

#: the methods whose requests carry a body the handlers read
BODY_METHODS = frozenset({"POST", "PUT"})
EXPORT = "/call_qualification/csv/{queue_id}/{start}/{end}"
PUSH = "/config/mobile/push/register"


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler reads of one request."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    client: str | None
    raw_body: bytes
    max_body: int

    def body(self) -> bytes:
        """Return the body; one past the limit is refused when the handler comes to read it."""
        if len(self.raw_body) > self.max_body:
            raise errors.BodyTooLarge()
        return self.raw_body


Handler = Callable[[Call], Response]
UserHandler = Callable[[Principal, Call], Response]
Table = list[tuple[str, str, Handler]]


class XucHandlers:
    """The handlers of the 2.0 APIs, given the wing's use cases."""

    def __init__(
        self,
        sessions: XucAuthService,
        contacts: ContactService,
        qualifications: QualificationService,
        *,
        sso: SsoConfig,
        zone: ZoneInfo,
    ) -> None:
        self._sessions = sessions
        self._contacts = contacts
        self._qualifications = qualifications
        self._sso = sso
        self._zone = zone

    def routes(self) -> Table:
        """Return the routes below `/xuc/api/2.0`, in the order they are tried."""
        user = self._as_user
        return [
            ("POST", "/auth/login", self.login),
            ("GET", "/auth/check", self.check),
            ("GET", "/auth/oidc", self.oidc),
            ("GET", "/auth/cas", self.cas),
            ("GET", "/auth/sso", self.sso),
            ("GET", "/contact/personal", user(self.list_contacts)),
            ("GET", "/contact/personal/{contact_id}", user(self.get_contact)),
            ("POST", "/contact/personal", user(self.create_contact)),
            ("PUT", "/contact/personal/{contact_id}", user(self.update_contact)),
            ("DELETE", "/contact/personal/{contact_id}", user(self.delete_contact)),
            ("DELETE", "/contact/personal", user(self.delete_contacts)),
            ("GET", "/contact/export/personal", user(self.export_contacts)),
            ("POST", "/contact/import/personal", user(self.import_contacts)),
            ("GET", "/call_qualification/queue/{queue_id}", user(self.queue_qualifications)),
            ("POST", "/call_qualification", user(self.answer)),
            ("GET", EXPORT, user(self.export_answers)),
            ("POST", f"{PUSH}/android", user(partial(self.register, "android"))),
            ("POST", f"{PUSH}/ios", user(partial(self.register, "ios"))),
            # the deprecated registration, which does not say the platform
            ("POST", "/mobile/push/register", user(partial(self.register, "unspecified"))),
        ]  # fmt: skip

    def export_routes(self) -> Table:
        """Return the routes below `/xuc/api/api/2.0`: the export, at the document's path."""
        return [("GET", EXPORT, self._as_user(self.export_answers))]

    def _as_user(self, handler: UserHandler) -> Handler:
        """Give `handler` the user whose token the request carries."""
        return lambda call: handler(auth.caller(self._sessions, call.headers), call)

    # --- auth -----------------------------------------------------------------------------

    def login(self, call: Call) -> Response:
        """Check a login and password, answer a token."""
        name, password = wire.credentials(call.body())
        address = call.client if call.client is not None else "unknown"
        return JSONResponse(wire.with_ttl(self._sessions.login(name, password, address)))

    def check(self, call: Call) -> Response:
        """Answer a fresh token for a valid one."""
        token = auth.bearer(call.headers.get("authorization"))
        return JSONResponse(wire.with_ttl(self._sessions.check(token)))

    def oidc(self, call: Call) -> Response:
        """Answer a token for the user an OIDC access token names."""
        keys = auth.oidc_keys(self._sso, self._sessions)
        token = auth.access_token(call.query, call.headers)
        # The provider's keys are fetched on the event loop, where their cache lives.
        key = from_thread.run(auth.key_for, keys, token)
        return JSONResponse(wire.without_ttl(self._sessions.oidc_login(token, key)))

    def cas(self, call: Call) -> Response:
        """Answer a token for the user a CAS ticket was issued to."""
        server = auth.cas_server(self._sso)
        service, ticket = auth.cas_ticket(call.query)
        user = from_thread.run(cas.validate, server, service, ticket)
        return JSONResponse(wire.without_ttl(self._sessions.login_as(user)))

    def sso(self, call: Call) -> Response:
        """Answer a token for the user the trusted front proxy names."""
        login = auth.proxy_login(self._sso, call.client, call.headers)
        return JSONResponse(wire.without_ttl(self._sessions.login_as(login)))

    # --- personal contacts ----------------------------------------------------------------

    def list_contacts(self, user: Principal, call: Call) -> Response:
        """List the user's contacts."""
        return JSONResponse(wire.contact_list(self._contacts.list(user.name)))

    def get_contact(self, user: Principal, call: Call) -> Response:
        """Show one of the user's contacts."""
        found = self._contacts.get(user.name, wire.contact_id(call.params["contact_id"]))
        return JSONResponse(wire.contact_out(found))

    def create_contact(self, user: Principal, call: Call) -> Response:
        """Create a contact."""
        fields = wire.contact_fields(wire.json_object(call.body(), Part.CONTACTS))
        created = self._contacts.create(user.name, fields)
        return JSONResponse(wire.contact_out(created), status_code=201)

    def update_contact(self, user: Principal, call: Call) -> Response:
        """Replace one of the user's contacts."""
        raw_id = call.params["contact_id"]
        wanted = wire.contact_id(raw_id)
        fields = wire.updated_fields(call.body(), raw_id)
        return JSONResponse(wire.contact_out(self._contacts.update(user.name, wanted, fields)))

    def delete_contact(self, user: Principal, call: Call) -> Response:
        """Delete one of the user's contacts."""
        self._contacts.delete(user.name, wire.contact_id(call.params["contact_id"]))
        return Response(status_code=204)

    def delete_contacts(self, user: Principal, call: Call) -> Response:
        """Delete every contact of the user."""
        self._contacts.delete_all(user.name)
        return Response(status_code=204)

    def export_contacts(self, user: Principal, call: Call) -> Response:
        """Export the user's contacts as CSV."""
        return wire.contacts_csv(self._contacts.list(user.name))

    def import_contacts(self, user: Principal, call: Call) -> Response:
        """Import contacts from CSV, line by line."""
        result = self._contacts.import_lines(user.name, wire.csv_lines(call.body()))
        return JSONResponse(wire.import_answer(result), status_code=201)

    # --- call qualifications --------------------------------------------------------------

    def queue_qualifications(self, user: Principal, call: Call) -> Response:
        """List the qualifications offered in a queue."""
        queue_id = wire.queue_id(call.params["queue_id"])
        found = self._qualifications.for_queue(user, queue_id)
        return JSONResponse(qualifications.qualifications_out(found))

    def answer(self, user: Principal, call: Call) -> Response:
        """Record an agent's qualification of a call; answer its id."""
        answer = qualifications.answer(call.body(), self._zone)
        return JSONResponse(self._qualifications.answer(user, answer), status_code=201)

    def export_answers(self, user: Principal, call: Call) -> Response:
        """Export a queue's answers of a period as CSV."""
        queue_id = wire.queue_id(call.params["queue_id"])
        start = qualifications.bound(call.params["start"], self._zone, end=False)
        end = qualifications.bound(call.params["end"], self._zone, end=True)
        answers = self._qualifications.answers(user, queue_id, start, end)
        return qualifications.answers_csv(answers, self._zone)

    # --- mobile ---------------------------------------------------------------------------

    def register(self, platform: str, user: Principal, call: Call) -> Response:
        """Keep the user's push token for `platform`."""
        token = wire.push_token(call.body())
        version = wire.api_version(call.query)
        self._sessions.register_push_token(user, platform, token, version)
        return Response(status_code=201)


def app(table: Table, *, max_body: int) -> Starlette:
    """Return the application serving `table`, every error in xuc's shape."""
    routes = [
        _OneMethodRoute(method, path, endpoint(handler, max_body))
        for method, path, handler in table
    ]
    return Starlette(routes=routes, exception_handlers={HTTPException: _routing_error})


def endpoint(handler: Handler, max_body: int) -> Callable[[Request], Awaitable[Response]]:
    """Serve `handler`: read the body, run it in the thread pool, answer any error."""

    async def serve(request: Request) -> Response:
        try:
            body = await read_capped(request, max_body) if request.method in BODY_METHODS else b""
            call = Call(
                params={name: str(value) for name, value in request.path_params.items()},
                query=request.query_params,
                headers=request.headers,
                client=request.client.host if request.client else None,
                raw_body=body,
                max_body=max_body,
            )
            return await run_in_threadpool(handler, call)
        except Exception as exc:  # the one place every error becomes a xuc answer
            return errors.response(errors.translate(_part(request), exc))

    return serve


async def _routing_error(request: Request, exc: Exception) -> Response:
    """Answer no such path, or no such method, in xuc's shape."""
    return errors.response(errors.translate(_part(request), exc))


def _part(request: Request) -> Part:
    """Return the part of the document the request's path (below the mount) belongs to."""
    root: str = request.scope.get("root_path", "")
    path: str = request.scope.get("path", "")
    return errors.part_of(path[len(root) :] if path.startswith(root) else path)


class _OneMethodRoute(Route):
    """A route answering only its method: xuc answers HEAD with 405, not as a GET."""

    def __init__(
        self, method: str, path: str, endpoint: Callable[[Request], Awaitable[Response]]
    ) -> None:
        super().__init__(path, endpoint, methods=[method])
        self.methods = {method}
