"""/api/v1/users"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ringback.api.auth import Caller
from ringback.api.schemas import RightsBody, UserIn, UserOut, UserReplace
from ringback.api.state import core_of
from ringback.domain.people import Profile, Rights, User
from ringback.services.users import UserService

router = APIRouter(prefix="/users", tags=["users"])


def _service(request: Request) -> UserService:
    service: UserService = core_of(request).users
    return service


def rights_from(body: RightsBody) -> Rights:
    """Return domain rights from their XiVO-style body."""
    return Rights(
        queue_ids=tuple(body.queueIds),
        group_ids=tuple(body.groupIds),
        incall_ids=tuple(body.incallIds),
        recording_access=body.recordingAccess,
        dissuasion_access=body.dissuasionAccess,
    )


def _out(user: User) -> UserOut:
    r = user.rights
    return UserOut(
        login=user.login,
        firstname=user.firstname,
        name=user.name,
        profile=user.profile.value,
        rights=RightsBody(
            queueIds=list(r.queue_ids),
            groupIds=list(r.group_ids),
            incallIds=list(r.incall_ids),
            recordingAccess=r.recording_access,
            dissuasionAccess=r.dissuasion_access,
        ),
    )


def _user(login: str, body: UserIn | UserReplace) -> User:
    return User(
        login=login,
        profile=Profile(body.profile),
        firstname=body.firstname,
        name=body.name,
        rights=rights_from(body.rights),
    )


@router.get("", response_model=list[UserOut])
def list_users(request: Request, caller: Caller) -> list[UserOut]:
    return [_out(u) for u in _service(request).list(caller)]


@router.post("", response_model=UserOut, status_code=201)
def create_user(request: Request, caller: Caller, body: UserIn) -> UserOut:
    return _out(_service(request).create(caller, _user(body.login, body), body.password))


@router.get("/{login}", response_model=UserOut)
def get_user(request: Request, caller: Caller, login: str) -> UserOut:
    return _out(_service(request).get(caller, login))


@router.put("/{login}", response_model=UserOut)
def replace_user(request: Request, caller: Caller, login: str, body: UserReplace) -> UserOut:
    return _out(_service(request).update(caller, _user(login, body), body.password))


@router.delete("/{login}", status_code=204)
def delete_user(request: Request, caller: Caller, login: str) -> Response:
    _service(request).delete(caller, login)
    return Response(status_code=204)
