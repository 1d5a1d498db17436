"""/api/v1/qualifications: the call qualifications agents answer through the xuc API."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import Field

from ringback.api.auth import Caller
from ringback.api.schemas import Id, PathId, Strict
from ringback.api.state import core_of
from ringback.domain.qualifications import Qualification, SubQualification
from ringback.services.qualifications import QualificationService

router = APIRouter(prefix="/qualifications", tags=["qualifications"])


class SubQualificationBody(Strict):
    """A sub-qualification; give its id to keep it (and its answers) on update."""

    id: Id | None = None
    name: str = Field(min_length=1, max_length=128)


class QualificationBody(Strict):
    """A qualification, the queues offering it and its sub-qualifications."""

    name: str = Field(min_length=1, max_length=128)
    queue_ids: list[Id] = Field(default_factory=list, max_length=1000)
    subQualifications: list[SubQualificationBody] = Field(default_factory=list, max_length=1000)


class QualificationOut(Strict):
    """A stored qualification."""

    id: int
    name: str
    queue_ids: list[int]
    subQualifications: list[SubQualificationBody]  # named as xuc names it


def _service(request: Request) -> QualificationService:
    service: QualificationService = core_of(request).qualifications
    return service


def _out(q: Qualification) -> QualificationOut:
    subs = [SubQualificationBody(id=s.id, name=s.name) for s in q.sub_qualifications]
    assert q.id is not None
    return QualificationOut(
        id=q.id, name=q.name, queue_ids=list(q.queue_ids), subQualifications=subs
    )


def _qualification(qualification_id: int | None, body: QualificationBody) -> Qualification:
    subs = tuple(SubQualification(s.id, s.name) for s in body.subQualifications)
    return Qualification(qualification_id, body.name, tuple(body.queue_ids), subs)


@router.get("", response_model=list[QualificationOut])
def list_qualifications(request: Request, caller: Caller) -> list[QualificationOut]:
    return [_out(q) for q in _service(request).visible(caller)]


@router.post("", response_model=QualificationOut, status_code=201)
def create_qualification(
    request: Request, caller: Caller, body: QualificationBody
) -> QualificationOut:
    return _out(_service(request).create(caller, _qualification(None, body)))


@router.get("/{qualification_id}", response_model=QualificationOut)
def get_qualification(
    request: Request, caller: Caller, qualification_id: PathId
) -> QualificationOut:
    return _out(_service(request).get(caller, qualification_id))


@router.put("/{qualification_id}", response_model=QualificationOut)
def replace_qualification(
    request: Request, caller: Caller, qualification_id: PathId, body: QualificationBody
) -> QualificationOut:
    return _out(_service(request).update(caller, _qualification(qualification_id, body)))


@router.delete("/{qualification_id}", status_code=204)
def delete_qualification(request: Request, caller: Caller, qualification_id: PathId) -> Response:
    _service(request).delete(caller, qualification_id)
    return Response(status_code=204)
