"""HMAC-SHA256 signatures of outbound JSON: `sha256=hex(HMAC(secret, "<timestamp>." + body))`."""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Ringback-Timestamp"
SIGNATURE_HEADER = "X-Ringback-Signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Return the signature header value of `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str, timestamp: int, body: bytes, signature: str, *, now: float, tolerance: float = 300
) -> bool:
    """Tell whether `signature` signs `body` with `secret` and `timestamp` is recent enough."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())
