"""What the engine takes from where it runs: the time, and password hashing."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """Where time comes from."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware."""
        ...


class PasswordHasher(Protocol):
    """Hashes and checks passwords."""

    def hash(self, password: str) -> str:
        """Return a hash of `password` to keep."""
        ...

    def verify(self, password_hash: str, password: str) -> bool:
        """Tell whether `password` matches `password_hash`."""
        ...
