"""The config-mgt operations: parse the wire, call one use case, render the document's shape."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi.responses import JSONResponse, Response

from ringback.dialects.xivo_configmgt import errors as wire_errors
from ringback.dialects.xivo_configmgt import wire
from ringback.domain import errors
from ringback.domain.lists import (
    CLOSING_STATUSES,
    Period,
    check_comment,
    parse_date,
    parse_time,
    ticket_status,
)
from ringback.domain.people import Principal
from ringback.settings import Settings


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP call as the handlers see it; the caller is authenticated on first use."""

    actor: Callable[[], Principal]
    body: bytes
    path: dict[str, str]
    query: Mapping[str, str]


Handler = Callable[[Call], Response]
AGENT_FIELDS = ("agentId",)


def ok(payload: Any, status: int = 200) -> JSONResponse:
    """Answer JSON."""
    return JSONResponse(payload, status)


class Handlers:
    """Every operation of the dialect, bound to the services."""

    def __init__(self, services: Any, settings: Settings) -> None:
        self.xivo = services.xivo.configmgt
        self.agent = services.xivo.agent
        self.dissuasion = services.xivo.dissuasion
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

    def _user(self, call: Call, actor: Principal | None = None) -> Any:
        actor = actor or call.actor()
        login = call.path["login"]
        if "\x00" in login:  # no login holds NUL (and PostgreSQL cannot even compare one)
            raise errors.NotFound(f"user {login!r} does not exist", kind="User")
        try:
            return self.users.get(actor, login)
        except errors.NotFound as exc:
            raise errors.NotFound(exc.message, kind="User") from None

    # --- lists and requests ---

    def create_list(self, call: Call) -> Response:
        body = wire.json_object(call.body, ("name", "queueId"))
        name = wire.text_field(body, "name", required=True) or ""
        queue_id = wire.int_field(body, "queueId") or 0
        view = self.xivo.create_list(call.actor(), name, queue_id)
        return ok(wire.changed_list(view, {}), 201)

    def get_lists(self, call: Call) -> Response:
        with_request = _boolean(call.query.get("withRequest", "false"), "withRequest")
        views = self.xivo.lists(call.actor(), with_request=with_request)
        periods = self.xivo.periods_by_id()
        return ok([wire.callback_list(v, periods) for v in views])

    def delete_list_without_uuid(self, call: Call) -> Response:
        call.actor()
        raise errors.Invalid("the list to delete is named in the path: "
                             "DELETE /callback_lists/<uuid>", field="uuid")  # fmt: skip

    def delete_list(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        periods = self.xivo.periods_by_id()
        return ok(wire.changed_list(self.xivo.delete_list(call.actor(), list_id), periods))

    def create_request(self, call: Call) -> Response:
        actor = call.actor()
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        allowed = (*wire.CSV_HEADER,)
        fields = wire.request_fields(wire.json_object(call.body, allowed))
        created = self.xivo.create_request(actor, list_id, fields)
        return ok(wire.request(created, self.xivo.periods_by_id()), 201)

    def import_csv(self, call: Call) -> Response:
        actor = call.actor()
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        lines, unreadable = wire.parse_csv(
            call.body,
            max_bytes=self.settings.xivo_csv_max_bytes,
            max_lines=self.settings.xivo_csv_max_lines,
        )
        imported = self.xivo.import_requests(actor, list_id, lines, unreadable)
        return ok({"listUuid": str(list_id), "imported": imported}, 201)

    def find_requests(self, call: Call) -> Response:
        actor = call.actor()
        body = wire.json_object(call.body, ("filters", "offset", "limit"))
        page = self.xivo.find(
            actor, body.get("filters", []),
            offset=wire.int_field(body, "offset", required=False) or 0,
            limit=wire.int_field(body, "limit", required=False),
        )  # fmt: skip
        periods = self.xivo.periods_by_id()
        return ok({"total": page.total, "list": [wire.request(r, periods) for r in page.items]})

    def get_request(self, call: Call) -> Response:
        request_id = wire.uuid_path(call.path["request_id"], "CallbackRequest")
        page = self.xivo.find(
            call.actor(), [{"field": "uuid", "operator": "=", "value": str(request_id)}]
        )
        if not page.items:
            raise errors.NotFound(f"callback request {request_id} does not exist",
                                  kind="CallbackRequest")  # fmt: skip
        return ok(wire.request(page.items[0], self.xivo.periods_by_id()))

    # --- the agent's workflow ---

    def take(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        taken = self.agent.take(call.actor(), request_id, agent_id)
        return ok(wire.request(taken, self.xivo.periods_by_id()))

    def release(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        released = self.agent.release(call.actor(), request_id, agent_id)
        return ok(wire.request(released, self.xivo.periods_by_id()))

    def start(self, call: Call) -> Response:
        request_id, agent_id = self._agent_call(call, AGENT_FIELDS)[:2]
        return ok(wire.ticket(self.agent.start(call.actor(), request_id, agent_id)), 201)

    def close(self, call: Call) -> Response:
        request_id, agent_id, body = self._agent_call(call, ("agentId", "status", "comment"))
        status = ticket_status(body.get("status"), allowed=CLOSING_STATUSES)
        comment = check_comment(body.get("comment"))
        closed = self.agent.close(call.actor(), request_id, agent_id, status, comment)
        return ok(wire.ticket(closed))

    def reschedule(self, call: Call) -> Response:
        actor = call.actor()
        request_id = wire.uuid_path(call.path["request_id"], "CallbackRequest")
        body = wire.json_object(call.body, ("agentId", "dueDate", "period", "comment"))
        due = wire.text_field(body, "dueDate")
        moved = self.agent.reschedule(
            actor, request_id,
            agent_id=wire.int_field(body, "agentId", required=False),
            due_date=parse_date(due) if due else None,
            period_name=wire.text_field(body, "period"),
            comment=check_comment(body.get("comment")),
        )  # fmt: skip
        return ok(wire.request(moved, self.xivo.periods_by_id()))

    def list_tickets(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        return ok([wire.ticket(line.ticket) for line in self.agent.tickets(call.actor(), list_id)])

    def export_tickets(self, call: Call) -> Response:
        list_id = wire.uuid_path(call.path["list_id"], "CallbackList")
        content = wire.tickets_csv(self.agent.tickets(call.actor(), list_id))
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
        return ok([wire.period(p) for p in self.xivo.periods()])

    def create_period(self, call: Call) -> Response:
        actor = call.actor()
        period = _period(wire.json_object(call.body, PERIOD_FIELDS), None)
        return ok(wire.period(self.xivo.create_period(actor, period)), 201)

    def update_period(self, call: Call) -> Response:
        actor = call.actor()
        period_id = wire.uuid_path(call.path["period_id"], "Period")
        period = _period(wire.json_object(call.body, PERIOD_FIELDS), period_id)
        return ok(wire.period(self.xivo.update_period(actor, period)))

    def delete_period(self, call: Call) -> Response:
        actor = call.actor()
        period_id = wire.uuid_path(call.path["period_id"], "Period")
        return ok(wire.period(self.xivo.delete_period(actor, period_id)))

    # --- agents ---

    def list_agents(self, call: Call) -> Response:
        agents = self.agents.list(call.actor())
        return ok([wire.agent(a, *self._agent_context(call)) for a in agents])

    def get_agent(self, call: Call) -> Response:
        agent_id = _int_path(call.path["agent_id"], "Agent")
        try:
            found = self.agents.get(call.actor(), agent_id)
        except errors.NotFound as exc:
            raise errors.NotFound(exc.message, kind="Agent") from None
        return ok(wire.agent(found, *self._agent_context(call)))

    def _agent_context(self, call: Call) -> tuple[dict[int, Any], dict[tuple[int, int], int]]:
        actor = call.actor()
        queues = {q.id: q for q in self.queues.list(Principal.service())}
        members: dict[int, list[tuple[int, int]]] = {}
        for a in self.agents.list(actor):
            for m in a.queues:
                members.setdefault(m.queue_id, []).append((m.penalty, a.id))
        positions = {(queue_id, agent_id): index
                     for queue_id, ranked in members.items()
                     for index, (_, agent_id) in enumerate(sorted(ranked), start=1)}  # fmt: skip
        return queues, positions

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
            queue_id = _int_path(raw, "Queue")
            return serve(call, actor, queue_id)
        except errors.NotFound as exc:
            return wire_errors.dissuasion_response(operation, _shown_id(raw), exc)

    def _show_dissuasion(self, call: Call, actor: Principal, queue_id: int) -> Response:
        view = self.dissuasion.get(actor, queue_id)
        return ok(wire.dissuasion(view.queue, view.dissuasion))

    def _show_choices(self, call: Call, actor: Principal, queue_id: int) -> Response:
        choices = self.dissuasion.choices(actor, queue_id)
        return ok({
            "id": choices.queue.id,
            "name": choices.queue.name,
            "dissuasions": {
                "soundFiles": [{"soundFile": name} for name in choices.sound_files],
                "queues": [{"queueName": name} for name in choices.queue_names],
            },
        })  # fmt: skip

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


PERIOD_FIELDS = ("name", "periodStart", "periodEnd", "default")


def _period(body: dict[str, Any], period_id: UUID | None) -> Period:
    default = body.get("default", False)
    if not isinstance(default, bool):
        raise errors.Invalid("default must be true or false", field="default")
    return Period(
        period_id or uuid.uuid4(),
        wire.text_field(body, "name", required=True) or "",
        parse_time(body.get("periodStart"), field="periodStart"),
        parse_time(body.get("periodEnd"), field="periodEnd"),
        default,
    )


def _boolean(raw: str, name: str) -> bool:
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0", ""):
        return False
    raise errors.Invalid(f"{name} must be true or false", field=name)


def _int_path(raw: str, kind: str) -> int:
    if not raw.isdigit() or len(raw) > 9:
        raise errors.NotFound(f"{kind.lower()} {raw!r} does not exist", kind=kind)
    return int(raw)


def _shown_id(raw: str) -> int | str:
    return int(raw) if raw.isdigit() and len(raw) <= 9 else raw
