"""The Ameyo endpoints: read the wire, call one use case, render; errors go to errors.py."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from ringback.dialects.ameyo import errors, params, wire
from ringback.dialects.ameyo.service import AmeyoService
from ringback.dialects.bodies import read_capped
from ringback.domain import errors as domain_errors
from ringback.domain.people import Principal

SESSION_HEADER = "sessionId"
#: the largest body an Ameyo request may carry (a login, a filter, a callback id)
MAX_BODY_BYTES = 64 * 1024
LISTING_PATH = "/voice/customerCallbacks/getFiltered"
TENANT_PATH = "/voice/customerCallbacks/getTenantUserCallbacks"
ROUTE_KEYS = {404: "RestApi.resource.not.found", 405: "RestApi.method.not.allowed"}


def install(app: FastAPI, service: AmeyoService) -> None:
    """Add the Ameyo endpoints to `app`, paths relative to /ameyorestapi."""

    @app.exception_handler(StarletteHTTPException)
    async def unknown_route(request: Request, exc: StarletteHTTPException) -> Response:
        key = ROUTE_KEYS.get(exc.status_code, errors.INVALID_PARAMETER)
        return errors.failure(exc.status_code, key, request.url.path, message=str(exc.detail))

    @app.post("/session/userLogin")
    async def user_login(request: Request) -> Response:
        user_id = ""
        try:
            credentials = wire.login_request(await _body(request))
            user_id = credentials.user_id
            session_id = await run_in_threadpool(service.login, user_id, credentials.token)
        except Exception as exc:  # the one place login errors become Ameyo failures
            return errors.from_error("userLogin", exc, user_id)
        return JSONResponse({"sessionId": session_id})

    @app.api_route(LISTING_PATH, methods=["GET", "POST"])
    async def get_filtered(request: Request) -> Response:
        campaign = request.query_params.get("campaignId", "")
        try:
            actor = await _actor(service, request)
            given = await _params(request)
            campaign = given.text("campaignId") or ""
            campaign_id = params.required_integer(given, "campaignId")
            wanted, info = params.callback_filter(given), params.boolean(given, "info")
            listed = await run_in_threadpool(service.campaign_callbacks, actor, campaign_id, wanted)
        except Exception as exc:
            return errors.from_error("getFiltered", exc, campaign)
        return JSONResponse([wire.listed_callback(item, info=info) for item in listed])

    @app.api_route(TENANT_PATH, methods=["GET", "POST"])
    async def get_tenant_user_callbacks(request: Request) -> Response:
        try:
            actor = await _actor(service, request)
            given = await _params(request)
            if given.has("campaignId"):  # a filter silently dropped would list too much
                raise domain_errors.Invalid(
                    "campaignId is not a parameter of getTenantUserCallbacks; use getFiltered",
                    field="campaignId",
                )
            wanted, info = params.callback_filter(given), params.boolean(given, "info")
            listed = await run_in_threadpool(service.tenant_callbacks, actor, wanted)
        except Exception as exc:
            return errors.from_error("getTenantUserCallbacks", exc)
        return JSONResponse([wire.listed_callback(item, info=info) for item in listed])

    @app.delete("/voice/customerCallbacks/{customerCallbackId}")
    async def delete_customer_callback(request: Request) -> Response:
        callback_id: str = request.path_params["customerCallbackId"]
        try:
            actor = await _actor(service, request)
            _check_body_id(await _body(request), callback_id)
            await run_in_threadpool(service.delete_callback, actor, callback_id)
        except Exception as exc:
            return errors.from_error("delete", exc, callback_id)
        return JSONResponse("OK")


async def _actor(service: AmeyoService, request: Request) -> Principal:
    session_id = request.headers.get(SESSION_HEADER, "").strip()
    return await run_in_threadpool(service.principal_for_session, session_id)


async def _params(request: Request) -> params.Params:
    # A GET body is read too: a filter sent there must apply, not be dropped without a word.
    body = await _body(request)
    content_type = request.headers.get("content-type", "")
    return params.Params.of(request.query_params.multi_items(), body, content_type)


async def _body(request: Request) -> bytes:
    """Read the body, refusing one above MAX_BODY_BYTES without reading it all."""
    body = await read_capped(request, MAX_BODY_BYTES)
    if len(body) > MAX_BODY_BYTES:
        raise errors.AmeyoFailure(413, errors.TOO_LARGE, f"the body exceeds {MAX_BODY_BYTES} bytes")
    return body


def _check_body_id(body: bytes, callback_id: str) -> None:
    """Accept the documented body `{"customerCallbackId": ...}` only if it names the same id."""
    named = params.json_object(body).get("customerCallbackId")
    if named is not None and str(named) != callback_id:
        raise domain_errors.Invalid(
            f"the body names callback {named} but the URL names {callback_id}",
            field="customerCallbackId",
        )
