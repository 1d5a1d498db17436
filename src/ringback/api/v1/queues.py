"""/api/v1/queues"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from ringback.api.auth import Caller
from ringback.api.schemas import PathId, QueueIn, QueueOut, QueuePatch, QueueReplace
from ringback.api.state import core_of
from ringback.domain.queues import Queue, QueueSettings
from ringback.services.queues import QueueService

router = APIRouter(prefix="/queues", tags=["queues"])


def _service(request: Request) -> QueueService:
    service: QueueService = core_of(request).queues
    return service


def _out(queue: Queue) -> dict[str, Any]:
    return {"id": queue.id, **queue.settings.as_dict()}


def _settings(body: Any) -> QueueSettings:
    values: dict[str, Any] = body.model_dump(exclude={"id"})
    tupled: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
    return QueueSettings(**tupled)


@router.get("", response_model=list[QueueOut])
def list_queues(request: Request, caller: Caller) -> list[dict[str, Any]]:
    return [_out(q) for q in _service(request).list(caller)]


@router.post("", response_model=QueueOut, status_code=201)
def create_queue(request: Request, caller: Caller, body: QueueIn) -> dict[str, Any]:
    queue = _service(request).create(caller, _settings(body), queue_id=getattr(body, "id", None))
    return _out(queue)


@router.get("/{queue_id}", response_model=QueueOut)
def get_queue(request: Request, caller: Caller, queue_id: PathId) -> dict[str, Any]:
    return _out(_service(request).get(caller, queue_id))


@router.put("/{queue_id}", response_model=QueueOut)
def replace_queue(
    request: Request, caller: Caller, queue_id: PathId, body: QueueReplace
) -> dict[str, Any]:
    return _out(_service(request).replace(caller, queue_id, _settings(body)))


@router.patch("/{queue_id}", response_model=QueueOut)
def patch_queue(
    request: Request, caller: Caller, queue_id: PathId, body: QueuePatch
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    changes = {k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()}
    return _out(_service(request).patch(caller, queue_id, changes))


@router.delete("/{queue_id}", status_code=204)
def delete_queue(request: Request, caller: Caller, queue_id: PathId) -> Response:
    _service(request).delete(caller, queue_id)
    return Response(status_code=204)
