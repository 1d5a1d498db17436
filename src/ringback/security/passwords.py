"""Argon2id password hashing behind the PasswordHasher port."""

from __future__ import annotations

from argon2 import PasswordHasher as Argon2Hasher
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    """Hash with argon2id; `cheap` lowers the cost for tests and demos only."""

    def __init__(self, *, cheap: bool = False) -> None:
        if cheap:
            self._hasher = Argon2Hasher(time_cost=1, memory_cost=8, parallelism=1)
        else:
            self._hasher = Argon2Hasher()

    def hash(self, password: str) -> str:
        """Return an argon2id hash of `password`."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """Tell whether `password` matches; a malformed hash never matches."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
