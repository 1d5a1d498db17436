"""What a request reaches of the application it is served by."""

from __future__ import annotations

from starlette.requests import Request

from ringback.core import Core


def core_of(request: Request) -> Core:
    """Return the core the application serving `request` was built on."""
    core: Core = request.app.state.core
    return core
