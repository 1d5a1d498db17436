"""Who calls the Ameyo dialect: the holder of the session the `sessionId` header names.

The session comes from `POST session/userLogin` (service.AmeyoService.login), the only call
that needs none.
"""

from __future__ import annotations

from collections.abc import Mapping

from ringback.dialects.ameyo.service import AmeyoService
from ringback.domain.people import Principal

SESSION_HEADER = "sessionId"


def caller(service: AmeyoService, headers: Mapping[str, str]) -> Principal:
    """Return who holds the session the headers name; refuse a missing or expired one."""
    return service.principal_for_session(headers.get(SESSION_HEADER, "").strip())
