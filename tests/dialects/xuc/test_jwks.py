"""The JWKS cache: fetched once per TTL, refetched for an unknown kid, last good set kept."""

from __future__ import annotations

import asyncio
import json

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from ringback.dialects.xuc.jwks import JwksCache, KeysUnavailable, UnknownKey
from tests.dialects.xuc.servers import serve


def _jwk(kid: str) -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rotation_ttl_and_outage() -> None:
    published: dict[str, object] = {"status": 200, "keys": [_jwk("k1")]}

    def answer(path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        return int(str(published["status"])), json.dumps({"keys": published["keys"]}).encode()

    clock = Clock()
    with serve(answer) as (url, asked):
        cache = JwksCache(url, ttl_seconds=300, monotonic=clock)
        assert asyncio.run(cache.key_for("k1")).key_id == "k1"
        assert asyncio.run(cache.key_for("k1")).key_id == "k1"
        assert len(asked) == 1
        published["keys"] = [_jwk("k2")]
        with pytest.raises(UnknownKey):
            asyncio.run(cache.key_for("k2"))  # within the cooldown: no refetch
        clock.now += 11
        assert asyncio.run(cache.key_for("k2")).key_id == "k2"  # rotation picked up
        assert len(asked) == 2
        published["status"] = 500
        clock.now += 301
        assert asyncio.run(cache.key_for("k2")).key_id == "k2"  # last good set kept
        assert len(asked) == 3


def test_no_keys_at_all_is_unavailable() -> None:
    with serve(lambda path, query: (503, b"")) as (url, _asked):
        cache = JwksCache(url, ttl_seconds=300)
        with pytest.raises(KeysUnavailable):
            asyncio.run(cache.key_for("k1"))
