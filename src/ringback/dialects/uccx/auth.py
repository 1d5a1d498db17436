"""Who calls the UCCX dialect: HTTP Basic, a Bearer token, or a trusted client address."""

from __future__ import annotations

from ringback.dialects.credentials import principal

__all__ = ["principal"]
