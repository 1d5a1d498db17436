"""Failed logins counted per account and per client address, for every credential checked."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from ringback.domain import errors
from ringback.services.ports import Clock


class TooManyAttempts(errors.RingbackError):
    """A login refused, whatever its password, until `retry_after` seconds have passed."""

    error_id = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """Failed logins allowed per window, per account and per client address."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


class LoginThrottle:
    """Counts failed logins in a sliding window; in memory, so its counts are per node."""

    MAX_KEYS = 100_000

    def __init__(self, clock: Clock, limits: LoginLimits) -> None:
        self._clock = clock
        self._limits = limits
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def check(self, login: str, address: str) -> None:
        """Refuse a login attempt while the account or the address is over its limit."""
        now = self._clock.now()
        with self._lock:
            waits = [
                self._wait(_account_key(login), self._limits.per_account, now),
                self._wait(f"address:{address}", self._limits.per_address, now),
            ]
        wait = max(waits)
        if wait > 0:
            raise TooManyAttempts(
                f"too many failed logins; try again in {wait} seconds", retry_after=wait
            )

    def failed(self, login: str, address: str) -> None:
        """Count one failed login of `login` from `address`."""
        now = self._clock.now()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                self._failures.pop(next(iter(self._failures)))  # the oldest key goes first
            for key in (_account_key(login), f"address:{address}"):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, login: str) -> None:
        """Forget an account's failures (its address keeps its count)."""
        with self._lock:
            self._failures.pop(_account_key(login), None)

    def _wait(self, key: str, limit: int, now: datetime) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        while times and times[0] <= now - self._limits.window:
            times.popleft()
        if len(times) < limit:
            return 0
        return max(1, int((times[0] + self._limits.window - now).total_seconds()) + 1)


#: longer than any login (64), so that no two logins share a key
ACCOUNT_KEY_LENGTH = 65


def _account_key(login: str) -> str:
    """The throttle's key of an account; a login of a megabyte must not be kept whole."""
    return "account:" + login[:ACCOUNT_KEY_LENGTH]
