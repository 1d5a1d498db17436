"""A CAS client: `serviceValidate` (CAS 2.0/3.0) against the configured CAS server."""

from __future__ import annotations

import httpx2
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ringback.dialects.xuc.errors import XucError

TIMEOUT = httpx2.Timeout(connect=3.0, read=10.0, write=5.0, pool=5.0)
MAX_RESPONSE_BYTES = 64 * 1024
NS = "{http://www.yale.edu/tp/cas}"
#: CAS failure codes and the xuc error each becomes, with its status
FAILURES: dict[str, tuple[str, int]] = {
    "INVALID_REQUEST": ("CasServerInvalidRequest", 400),
    "INVALID_TICKET_SPEC": ("CasServerInvalidTicketSpec", 401),
    "UNAUTHORIZED_SERVICE_PROXY": ("CasServerUnauthorizedServiceProxy", 401),
    "INVALID_PROXY_CALLBACK": ("CasServerInvalidProxyCallback", 401),
    "INVALID_TICKET": ("CasServerInvalidTicket", 401),
    "INVALID_SERVICE": ("CasServerInvalidService", 401),
    "INTERNAL_ERROR": ("CasServerInternalError", 502),
}


async def validate(server_url: str, service: str, ticket: str) -> str:
    """Return the user a CAS service ticket was issued to, or raise the matching XucError."""
    url = server_url.rstrip("/") + "/serviceValidate"
    try:
        async with httpx2.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            response = await client.get(url, params={"service": service, "ticket": ticket})
    except httpx2.HTTPError as exc:
        raise _invalid_response(f"the CAS server cannot be reached: {exc}") from exc
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise _invalid_response("the CAS server's answer is too large")
    return user_of(response.content)


def user_of(document: bytes) -> str:
    """Read a serviceResponse: the user on success, the failure code as an error otherwise."""
    try:
        root = ElementTree.fromstring(document, forbid_dtd=True)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise _invalid_response(f"the CAS server's answer is not valid XML: {exc}") from exc
    if root.tag != f"{NS}serviceResponse":
        raise _invalid_response("the CAS server's answer is not a serviceResponse")
    user = root.findtext(f"{NS}authenticationSuccess/{NS}user")
    if user is not None and user.strip():
        return user.strip()
    failure = root.find(f"{NS}authenticationFailure")
    if failure is None:
        raise _invalid_response("the CAS server's answer has neither a user nor a failure")
    code = (failure.get("code") or "").strip().upper()
    word, status = FAILURES.get(code, ("CasServerInvalidResponse", 502))
    raise XucError(word, status, (failure.text or code or "CAS authentication failed").strip())


def _invalid_response(message: str) -> XucError:
    return XucError("CasServerInvalidResponse", 502, message)
