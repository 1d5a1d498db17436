"""/api/v1/callbacks"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from pydantic import AwareDatetime, Field

from ringback.api.auth import Caller
from ringback.api.schemas import MAX_ID, CallbackIn, CallbackOut, CallbackPage, EventOut, OutcomeIn
from ringback.api.state import core_of
from ringback.domain.callbacks import Callback, StateChange
from ringback.domain.states import State
from ringback.services.callbacks import CallbackService, NewCallback, Outcome
from ringback.services.ports import CallbackQuery

router = APIRouter(prefix="/callbacks", tags=["callbacks"])


def _service(request: Request) -> CallbackService:
    service: CallbackService = core_of(request).callbacks
    return service


def _event(change: StateChange) -> EventOut:
    return EventOut(
        at=change.at,
        actor=change.actor,
        event=change.event,
        from_state=change.from_state.value if change.from_state else None,
        to_state=change.to_state.value,
        reason=change.reason,
        detail=change.detail,
    )


def _out(callback: Callback, history: list[StateChange] | None = None) -> CallbackOut:
    return CallbackOut(
        id=callback.id,
        queue_id=callback.queue_id,
        external_id=callback.external_id,
        state=callback.state.value,
        reason=callback.reason.value if callback.reason else None,
        phone_number=callback.customer_number,
        alternate_number=callback.alternate_number,
        first_name=callback.first_name,
        last_name=callback.last_name,
        company=callback.company,
        description=callback.description,
        customer_id=callback.customer_id,
        language=callback.language,
        properties=callback.properties,
        desired_time=callback.desired_time,
        due_date=callback.due_date,
        queue_start_time=callback.queue_start_time,
        next_action_at=callback.next_action_at,
        expires_at=callback.expires_at,
        attempts=callback.attempts,
        dial_key=callback.dial_key,
        created_at=callback.created_at,
        updated_at=callback.updated_at,
        completed_at=callback.completed_at,
        history=[_event(c) for c in history] if history is not None else None,
    )


@router.get("", response_model=CallbackPage, response_model_exclude_none=False)
def list_callbacks(
    request: Request,
    caller: Caller,
    queue: Annotated[list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None, Query()] = None,
    state: Annotated[list[State] | None, Query()] = None,
    number: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Annotated[AwareDatetime | None, Query(alias="from")] = None,
    created_to: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CallbackPage:
    query = CallbackQuery(
        queue_ids=queue, states=state, customer_number=number, created_from=created_from,
        created_to=created_to, offset=offset, limit=limit,
    )  # fmt: skip
    page = _service(request).find(caller, query)
    return CallbackPage(
        total=page.total, offset=offset, limit=limit, items=[_out(c) for c in page.items]
    )


@router.post("", response_model=CallbackOut, status_code=201)
def create_callback(
    request: Request,
    caller: Caller,
    body: CallbackIn,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> CallbackOut:
    fields = body.model_dump(exclude={"properties"})
    new = NewCallback(**fields, properties=dict(body.properties), idempotency_key=idempotency_key)
    return _out(_service(request).create(caller, new))


@router.get("/{callback_id}", response_model=CallbackOut)
def get_callback(request: Request, caller: Caller, callback_id: UUID) -> CallbackOut:
    view = _service(request).get(caller, callback_id)
    return _out(view.callback, view.history)


@router.post("/{callback_id}/cancel", response_model=CallbackOut)
def cancel_callback(request: Request, caller: Caller, callback_id: UUID) -> CallbackOut:
    return _out(_service(request).cancel(caller, callback_id))


@router.post("/{callback_id}/outcome", response_model=CallbackOut)
def record_outcome(
    request: Request, caller: Caller, callback_id: UUID, body: OutcomeIn
) -> CallbackOut:
    callback = _service(request).record_outcome(
        caller, callback_id, dial_key=body.dial_key, outcome=Outcome(body.result),
        detail=body.detail,
    )  # fmt: skip
    return _out(callback)
