"""/api/v1/auth/token: a user token for the native API and the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request

from ringback.api.schemas import TokenIn, TokenOut
from ringback.api.state import core_of
from ringback.services.users import UserService

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=TokenOut, status_code=201)
def issue_token(request: Request, body: TokenIn) -> TokenOut:
    users: UserService = core_of(request).users
    user = users.authenticate(body.login, body.password)
    token, stored = users.issue_token(user)
    return TokenOut(token=token, login=user.login, expires_at=stored.expires_at)
