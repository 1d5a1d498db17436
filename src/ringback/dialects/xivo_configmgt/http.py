"""The config-mgt routes: one table of operations, registered in one loop behind one wrapper.

The wrapper reads the body under its cap, runs the handler in the thread pool with the caller
found on first use (auth.py), and turns any error into `{"error", "message"}` (errors.py).
Each handler parses with wire.py, calls one use case and renders with wire.py.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from ringback.dialects.bodies import read_capped
from ringback.dialects.xivo_configmgt import auth, errors, wire, wire_csv
from ringback.dialects.xivo_configmgt.dissuasion import DissuasionService
from ringback.dialects.xivo_configmgt.model import check_comment, parse_date
from ringback.dialects.xivo_configmgt.requests import RequestService
from ringback.dialects.xivo_configmgt.service import ListService
from ringback.dialects.xivo_configmgt.workflow import WorkflowService
from ringback.domain import errors as domain_errors
from ringback.domain.people import Principal, User
from ringback.domain.queues import Queue
from ringback.services.agents import AgentService
from ringback.services.queues import QueueService
from ringback.services.users import UserService
from ringback.settings import Settings

AGENT_FIELDS = ("agentId",)


@dataclass(frozen=True, slots=True, kw_only=True)
class XivoServices:
    """The use cases behind the routes: the wing's own, and the engine's it shows."""

    lists: ListService
    requests: RequestService
    workflow: WorkflowService
    dissuasion: DissuasionService
    users: UserService
    agents: AgentService
    queues: QueueService


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call as the handlers see it; the caller is authenticated on first use."""

    actor: Callable[[], Principal]
    body: bytes
    path: dict[str, str]
    query: Mapping[str, str]


Handler = Callable[[Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def build(services: XivoServices, settings: Settings) -> ASGIApp:
    """Return the config-mgt application (its paths relative to where it is mounted).

    The body and CSV limits are read from `settings` as each request comes.
    """
    app = FastAPI(title="ringback XiVO config-mgt dialect", docs_url=None, redoc_url=None)
    # an unknown path or method answers in the dialect's shape too, not FastAPI's {"detail"}
    app.add_exception_handler(HTTPException, errors.routing_error)  # type: ignore[arg-type]
    for method, path, handler in Handlers(services, settings).table():
        app.add_api_route(
            path, _endpoint(services.users, settings, handler), methods=[method],
            name=handler.__name__,
        )  # fmt: skip
    return CollapseSlashes(app)


def _endpoint(users: UserService, settings: Settings, handler: Handler) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        try:
            body = await _capped_body(request, settings.max_body_bytes)
            call = Call(
                actor=lambda: auth.principal(request.headers, users),
                body=body,
                path=dict(request.path_params),
                query=request.query_params,
            )
            return await run_in_threadpool(handler, call)
        except Exception as exc:  # the one place every error becomes the document's shape
            return errors.response(exc)

    return endpoint


async def _capped_body(request: Request, limit: int) -> bytes:
    """Read the body; one sent without Content-Length (chunked) is stopped past `limit` too."""
    body = await read_capped(request, limit)
    if len(body) > limit:
        raise wire.TooLarge(f"the body exceeds {limit} bytes", field="body")
    return body


class CollapseSlashes:
    """Serve `/1.0//callback_lists` (the document's own curl) as `/1.0/callback_lists`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "//" in scope["path"]:
            scope = dict(scope)
            scope["path"] = re.sub("/{2,}", "/", scope["path"])
            scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


def ok(payload: Any, status: int = 200) -> JSONResponse:
    """Answer JSON."""
    return JSONResponse(payload, status)


class Handlers:
    """Every operation of the dialect, bound to the use cases."""

    def __init__(self, services: XivoServices, settings: Settings) -> None:
        self.lists = services.lists
        self.requests = services.requests
        self.workflow = services.workflow
        self.dissuasion = services.dissuasion
        self.users = services.users
        self.agents = services.agents
        self.queues = services.queues
        self.settings = settings

    def table(self) -> list[tuple[str, str, Handler]]:
        """Return (method, path, handler) of every operation."""
        return [
            ("GET", "/users", self.list_users),
            ("GET", "/rights/user/{login}", self.get_rights),
            ("POST", "/rights/user/{login}", self.set_rights),
            ("DELETE", "/rights/user/{login}", self.delete_rights),
            ("POST", "/callback_lists", self.create_list),
            ("GET", "/callback_lists", self.get_lists),
            ("DELETE", "/callback_lists", self.delete_list_without_uuid),
            ("DELETE", "/callback_lists/{list_id}", self.delete_list),
            ("POST", "/callback_lists/{list_id}/callback_requests", self.create_request),
            ("POST", "/callback_lists/{list_id}/callback_requests/csv", self.import_csv),
            ("GET", "/callback_lists/{list_id}/tickets", self.list_tickets),
            ("GET", "/callback_lists/{list_id}/tickets/csv", self.export_tickets),
            ("POST", "/callback_requests/find", self.find_requests),
            ("GET", "/callback_requests/{request_id}", self.get_request),
            ("POST", "/callback_requests/{request_id}/take", self.take),
            ("POST", "/callback_requests/{request_id}/release", self.release),
            ("POST", "/callback_requests/{request_id}/start", self.start),
            ("POST", "/callback_requests/{request_id}/close", self.close),
            ("POST", "/callback_requests/{request_id}/reschedule", self.reschedule),
            ("GET", "/callback_periods", self.list_periods),
            ("POST", "/callback_periods", self.create_period),
            ("PUT", "/callback_periods/{period_id}", self.update_period),
            ("DELETE", "/callback_periods/{period_id}", self.delete_period),
            ("GET", "/agent_config", self.list_agents),
            ("GET", "/agent_config/{agent_id}", self.get_agent),
            ("GET", "/queue/{queue_id}/dissuasion", self.get_dissuasion),
            ("GET", "/queue/{queue_id}/dissuasions", self.get_dissuasions),
            ("PUT", "/queue/{queue_id}/dissuasion/sound_file", self.set_sound_file),
            ("PUT", "/queue/{queue_id}/dissuasion/queue", self.set_dissuasion_queue),
        ]

    # --- users and rights ---

    def list_users(self, call: Call) -> Response:
        return ok([wire.user(u) for u in self.users.list(call.actor())])

    def get_rights(self, call: Call) -> Response:
        return ok(wire.rights(self._user(call)))

    def set_rights(self, call: Call) -> Response:
        actor = call.actor()
        body = wire.json_object(call.body, ("type", "data"))
        profile, rights = wire.parse_rights(body, self._user(call, actor))
        return ok(wire.rights(self.users.set_rights(actor, call.path["login"], profile, rights)))

    def delete_rights(self, call: Call) -> Response:
        actor = call.actor()
        self._user(call, actor)
        self.users.delete(actor, call.path["login"])
        return Response(status_code=204)

    def _user(self, call: Call, actor: Principal | None = None) -> User:
        actor = actor or call.actor()
        login = call.path["login"]
        if "\x00" in login:  # no login holds NUL (and PostgreSQL cannot even compare one)
            raise domain_errors.NotFound(f"user {login!r} does not exist", kind="User")
        try:
            return self.users.get(actor, login)
        except domain_errors.NotFound as exc:
            raise domain_errors.NotFound(exc.message, kind="User") from None

    # --- lists and requests ---

    def create_list(self, call: Call) -> Response:
        body = wire.json_object(call.body, ("name", "queueId"))
        name = wire.text_field(body, "name", required=True) or ""
        queue_id = wire.int_field(body, "queueId") or 0
        view = self.lists.create_list(call.actor(), name, queue_id)
        return ok(wire.changed_list(view, {}), 201)

    def get_lists(self, call: Call) -> Response:
        with_request = wire.boolean(call.query.get("withRequest", "false"), "withRequest")
        views = self.lists.lists(call.actor(), with_request=with_request)
        periods = self.lists.periods_by_id()
        return ok([wire.callback_list(v, periods) for v in views])

    def delete_list_without_uuid(self, call: Call) -> Response:
        call.actor()
        raise domain_errors.Invalid("the list to delete is named in the path: "
                                    "DELETE /callback_lists/<uuid>", field="uuid")  # fmt: skip

    def delete_list(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        periods = self.lists.periods_by_id()
        return ok(wire.changed_list(self.lists.delete_list(call.actor(), list_id), periods))

    def create_request(self, call: Call) -> Response:
        actor = call.actor()
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        fields = wire.request_fields(wire.json_object(call.body, wire.REQUEST_FIELDS))
        created = self.requests.create_request(actor, list_id, fields)
        return ok(wire.request(created, self.lists.periods_by_id()), 201)

    def import_csv(self, call: Call) -> Response:
        actor = call.actor()
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        lines, unreadable = wire_csv.parse_csv(
            call.body,
            max_bytes=self.settings.xivo_csv_max_bytes,
            max_lines=self.settings.xivo_csv_max_lines,
        )
        imported = self.requests.import_requests(actor, list_id, lines, unreadable)
        return ok({"listUuid": str(list_id), "imported": imported}, 201)

    def find_requests(self, call: Call) -> Response:
        actor = call.actor()
        body = wire.json_object(call.body, ("filters", "offset", "limit"))
        page = self.lists.find(
            actor, body.get("filters", []),
            offset=wire.int_field(body, "offset", required=False) or 0,
            limit=wire.int_field(body, "limit", required=False),
        )  # fmt: skip
        periods = self.lists.periods_by_id()
        return ok({"total": page.total, "list": [wire.request(r, periods) for r in page.items]})

    def get_request(self, call: Call) -> Response:
        request_id = wire.uuid_path(call.path["request_id"], "CallbackRequest")
        found = self.lists.request(call.actor(), request_id)
        return ok(wire.request(found, self.lists.periods_by_id()))

    # --- the agent's workflow ---

    def take(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        taken = self.workflow.take(call.actor(), request_id, agent_id)
        return ok(wire.request(taken, self.lists.periods_by_id()))

    def release(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        released = self.workflow.release(call.actor(), request_id, agent_id)
        return ok(wire.request(released, self.lists.periods_by_id()))

    def start(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        return ok(wire.ticket(self.workflow.start(call.actor(), request_id, agent_id)), 201)

    def close(self, call: Call) -> Response:
        request_id, agent_id, body = self._agent_call(call, ("agentId", "status", "comment"))
        status, comment = wire.ticket_summary(body)
        closed = self.workflow.close(call.actor(), request_id, agent_id, status, comment)
        return ok(wire.ticket(closed))

    def reschedule(self, call: Call) -> Response:
        actor = call.actor()
        request_id = wire.uuid_path(call.path["request_id"], "CallbackRequest")
        body = wire.json_object(call.body, ("agentId", "dueDate", "period", "comment"))
        due = wire.text_field(body, "dueDate")
        moved = self.workflow.reschedule(
            actor, request_id,
            agent_id=wire.int_field(body, "agentId", required=False),
            due_date=parse_date(due) if due else None,
            period_name=wire.text_field(body, "period"),
            comment=check_comment(body.get("comment")),
        )  # fmt: skip
        return ok(wire.request(moved, self.lists.periods_by_id()))

    def list_tickets(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        tickets = self.workflow.tickets(call.actor(), list_id)
        return ok([wire.ticket(line.ticket) for line in tickets])

    def export_tickets(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        content = wire_csv.tickets_csv(self.workflow.tickets(call.actor(), list_id))
        disposition = f'attachment; filename="tickets-{list_id}.csv"'
        return Response(content, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": disposition})  # fmt: skip

    def _agent_call(self, call: Call, allowed: tuple[str, ...]) -> tuple[UUID, int, dict[str, Any]]:
        call.actor()  # authenticate before reading anything else
        request_id = wire.uuid_path(call.path["request_id"], "CallbackRequest")
        body = wire.json_object(call.body, allowed)
        return request_id, wire.int_field(body, "agentId") or 0, body

    # --- periods ---

    def list_periods(self, call: Call) -> Response:
        call.actor()
        return ok([wire.period(p) for p in self.lists.periods()])

    def create_period(self, call: Call) -> Response:
        actor = call.actor()
        period = wire.period_body(wire.json_object(call.body, wire.PERIOD_FIELDS), None)
        return ok(wire.period(self.lists.create_period(actor, period)), 201)

    def update_period(self, call: Call) -> Response:
        actor = call.actor()
        period_id = wire.uuid_path(call.path["period_id"], "Period")
        period = wire.period_body(wire.json_object(call.body, wire.PERIOD_FIELDS), period_id)
        return ok(wire.period(self.lists.update_period(actor, period)))

    def delete_period(self, call: Call) -> Response:
        actor = call.actor()
        period_id = wire.uuid_path(call.path["period_id"], "Period")
        return ok(wire.period(self.lists.delete_period(actor, period_id)))

    # --- agents ---

    def list_agents(self, call: Call) -> Response:
        agents = self.agents.list(call.actor())
        return ok([wire.agent(a, *self._agent_context(call)) for a in agents])

    def get_agent(self, call: Call) -> Response:
        agent_id = wire.int_path(call.path["agent_id"], "Agent")
        try:
            found = self.agents.get(call.actor(), agent_id)
        except domain_errors.NotFound as exc:
            raise domain_errors.NotFound(exc.message, kind="Agent") from None
        return ok(wire.agent(found, *self._agent_context(call)))

    def _agent_context(self, call: Call) -> tuple[dict[int, Queue], dict[tuple[int, int], int]]:
        queues = {q.id: q for q in self.queues.list(Principal.service())}
        return queues, wire.agent_positions(self.agents.list(call.actor()))

    # --- dissuasion ---

    def get_dissuasion(self, call: Call) -> Response:
        return self._dissuasion_call(call, "getQueueDissusasion", self._show_dissuasion)

    def get_dissuasions(self, call: Call) -> Response:
        return self._dissuasion_call(call, "getQueueDissusasionList", self._show_choices)

    def set_sound_file(self, call: Call) -> Response:
        return self._dissuasion_call(call, "updateQueueDissuasion", self._set_sound_file)

    def set_dissuasion_queue(self, call: Call) -> Response:
        return self._dissuasion_call(call, "updateQueueDissuasion", self._set_queue)

    def _dissuasion_call(
        self, call: Call, operation: str, serve: Callable[[Call, Principal, int], Response]
    ) -> Response:
        actor = call.actor()
        raw = call.path["queue_id"]
        try:
            queue_id = wire.int_path(raw, "Queue")
            return serve(call, actor, queue_id)
        except domain_errors.NotFound as exc:
            return errors.dissuasion_response(operation, wire.shown_id(raw), exc)

    def _show_dissuasion(self, call: Call, actor: Principal, queue_id: int) -> Response:
        view = self.dissuasion.get(actor, queue_id)
        return ok(wire.dissuasion(view.queue, view.dissuasion))

    def _show_choices(self, call: Call, actor: Principal, queue_id: int) -> Response:
        return ok(wire.dissuasion_choices(self.dissuasion.choices(actor, queue_id)))

    def _set_sound_file(self, call: Call, actor: Principal, queue_id: int) -> Response:
        body = wire.json_object(call.body, ("soundFile",))
        name = wire.text_field(body, "soundFile", required=True) or ""
        chosen = self.dissuasion.set_sound_file(actor, queue_id, name)
        return ok({"id": queue_id, "soundFile": chosen.value})

    def _set_queue(self, call: Call, actor: Principal, queue_id: int) -> Response:
        body = wire.json_object(call.body, ("queueName",))
        name = wire.text_field(body, "queueName", required=True) or ""
        chosen = self.dissuasion.set_queue(actor, queue_id, name)
        return ok({"id": queue_id, "queueName": chosen.value})
