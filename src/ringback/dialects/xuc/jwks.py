"""The OpenID Connect provider's signing keys: a JWKS fetched over HTTP and cached.

PyJWT's own PyJWKClient fetches with blocking urllib and had cache flaws, so the fetch and the
cache are ours: a TTL, a refetch when a token names an unknown `kid` (at most once per cooldown),
and the last good key set kept when a fetch fails.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx2
import jwt

TIMEOUT = httpx2.Timeout(connect=3.0, read=5.0, write=5.0, pool=5.0)
MAX_JWKS_BYTES = 256 * 1024
REFETCH_COOLDOWN_SECONDS = 10.0


class KeysUnavailable(Exception):
    """No key set could be fetched, and none is cached."""


class UnknownKey(Exception):
    """The token names a key the provider does not publish."""


class JwksCache:
    """The provider's keys by `kid`, fetched from `url` and kept for `ttl_seconds`."""

    def __init__(
        self, url: str, ttl_seconds: float, *, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._url = url
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._keys: dict[str | None, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        """Return the key named `kid` (or the only key, when the token names none)."""
        if self._stale() or (kid not in self._keys and self._may_refetch()):
            async with self._lock:
                if self._stale() or (kid not in self._keys and self._may_refetch()):
                    await self._refresh()
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(f"the provider publishes no key {kid!r}")
        return key

    def _stale(self) -> bool:
        return self._fetched_at is None or self._monotonic() - self._fetched_at >= self._ttl

    def _may_refetch(self) -> bool:
        return (
            self._fetched_at is None
            or self._monotonic() - self._fetched_at >= REFETCH_COOLDOWN_SECONDS
        )

    async def _refresh(self) -> None:
        try:
            keys = await self._fetch()
        except (httpx2.HTTPError, ValueError, jwt.PyJWTError) as exc:
            if not self._keys:
                raise KeysUnavailable(f"the provider's keys cannot be fetched: {exc}") from exc
            # Keep serving the last good set; try again after the cooldown.
            self._fetched_at = self._monotonic() - self._ttl + REFETCH_COOLDOWN_SECONDS
            return
        self._keys = keys
        self._fetched_at = self._monotonic()

    async def _fetch(self) -> dict[str | None, jwt.PyJWK]:
        async with httpx2.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
            response = await client.get(self._url, headers={"Accept": "application/json"})
        if response.status_code != 200:
            raise ValueError(f"{self._url} answered {response.status_code}")
        if len(response.content) > MAX_JWKS_BYTES:
            raise ValueError(f"{self._url} answered more than {MAX_JWKS_BYTES} bytes")
        key_set = jwt.PyJWKSet.from_dict(json.loads(response.content))
        # Only RSA keys sign RS256 tokens; any other kind is never offered to the verifier.
        return {key.key_id: key for key in key_set.keys if key.key_type == "RSA"}
