"""The Ameyo callback dialect, mounted at /ameyorestapi (the vendor's usual port is 8888).

`POST session/userLogin` opens a session; every other call carries its id in the `sessionId`
header: `voice/customerCallbacks/getFiltered` (GET or POST) lists a campaign's scheduled
callbacks, `voice/customerCallbacks/getTenantUserCallbacks` those of every campaign, and
`DELETE voice/customerCallbacks/{customerCallbackId}` deletes one. docs/dialects/ameyo.md tells
where ringback had to decide what the document leaves open.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ringback.dialects.ameyo import handlers
from ringback.settings import Settings

PREFIX = "/ameyorestapi"


def build(services: Any, settings: Settings) -> FastAPI:
    """Return the Ameyo application, its paths relative to PREFIX, where it is mounted."""
    app = FastAPI(title="ringback Ameyo dialect", docs_url=None, redoc_url=None, openapi_url=None)
    handlers.install(app, services.ameyo)
    return app
