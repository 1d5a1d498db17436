"""/api/v1/webhooks: subscriptions to state changes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from ringback.api.auth import Caller
from ringback.api.schemas import Strict
from ringback.api.state import core_of
from ringback.domain.webhooks import Subscription
from ringback.services.webhooks import WebhookService

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


class WebhookIn(Strict):
    """A subscription as written: the secret is write-only."""

    url: str = Field(max_length=2048)
    secret: str = Field(min_length=16, max_length=255)
    event_types: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True


class WebhookOut(BaseModel):
    """A subscription as shown, with its delivery state."""

    id: UUID
    url: str
    event_types: list[str]
    active: bool
    cursor: int
    failures: int
    next_attempt_at: datetime | None
    last_error: str


def _service(request: Request) -> WebhookService:
    service: WebhookService = core_of(request).webhooks
    return service


def _out(subscription: Subscription) -> WebhookOut:
    return WebhookOut(
        id=subscription.id,
        url=subscription.url,
        event_types=list(subscription.event_types),
        active=subscription.active,
        cursor=subscription.cursor,
        failures=subscription.failures,
        next_attempt_at=subscription.next_attempt_at,
        last_error=subscription.last_error,
    )


@router.get("", response_model=list[WebhookOut])
def list_webhooks(request: Request, caller: Caller) -> list[WebhookOut]:
    return [_out(s) for s in _service(request).list(caller)]


@router.post("", response_model=WebhookOut, status_code=201)
def create_webhook(request: Request, caller: Caller, body: WebhookIn) -> WebhookOut:
    created = _service(request).create(
        caller, url=body.url, secret=body.secret, event_types=tuple(body.event_types)
    )
    return _out(created)


@router.get("/{webhook_id}", response_model=WebhookOut)
def get_webhook(request: Request, caller: Caller, webhook_id: UUID) -> WebhookOut:
    return _out(_service(request).get(caller, webhook_id))


@router.put("/{webhook_id}", response_model=WebhookOut)
def replace_webhook(
    request: Request, caller: Caller, webhook_id: UUID, body: WebhookIn
) -> WebhookOut:
    changed = _service(request).update(
        caller, webhook_id, url=body.url, secret=body.secret,
        event_types=tuple(body.event_types), active=body.active,
    )  # fmt: skip
    return _out(changed)


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(request: Request, caller: Caller, webhook_id: UUID) -> Response:
    _service(request).delete(caller, webhook_id)
    return Response(status_code=204)
