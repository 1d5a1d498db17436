"""Reading request bodies under a limit, for the dialects that read them by hand."""

from __future__ import annotations

from starlette.requests import Request


async def read_capped(request: Request, limit: int) -> bytes:
    """Read the body, stopping once it is past `limit` bytes.

    A result longer than `limit` means the body is too large: each dialect refuses it in its own
    shape. The rest of an oversized body is never read.
    """
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            break
    return b"".join(chunks)
