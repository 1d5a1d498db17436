"""Who calls the GMS dialect: HTTP Basic, a Bearer token, or a trusted client address."""

from __future__ import annotations

from ringback.dialects.credentials import principal

__all__ = ["CHALLENGE", "principal"]

CHALLENGE = 'Basic realm="ringback", Bearer realm="ringback"'
