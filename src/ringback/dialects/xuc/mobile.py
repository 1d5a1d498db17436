"""Mobile push registration: `/config/mobile/push/register/{android,ios}` and the deprecated one."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from ringback.dialects.xuc.errors import Part, bad_json
from ringback.dialects.xuc.wire import Caller, json_object
from ringback.services.xuc_auth import XucAuthService

router = APIRouter()

API_VERSION = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){0,2}$")


@router.post("/config/mobile/push/register/android", status_code=201)
async def register_android(request: Request, caller: Caller) -> Response:
    return await _register(request, caller, "android")


@router.post("/config/mobile/push/register/ios", status_code=201)
async def register_ios(request: Request, caller: Caller) -> Response:
    return await _register(request, caller, "ios")


@router.post("/mobile/push/register", status_code=201)
async def register_deprecated(request: Request, caller: Caller) -> Response:
    """The deprecated registration, which does not say the platform."""
    return await _register(request, caller, "unspecified")


async def _register(request: Request, caller: Caller, platform: str) -> Response:
    body = json_object(await request.body(), Part.MOBILE, lenient=True)
    token = body.get("token")
    if not isinstance(token, str):
        raise bad_json(Part.MOBILE, "token must be a string")
    if set(body) != {"token"}:
        raise bad_json(Part.MOBILE, "the body holds only a token")
    api_version = request.query_params.get("apiVersion", "")
    if api_version and not API_VERSION.match(api_version):
        raise bad_json(Part.MOBILE, "apiVersion must look like 2.0")
    service: XucAuthService = request.app.state.services.xuc_auth
    await run_in_threadpool(service.register_push_token, caller, platform, token, api_version)
    return Response(status_code=201)
