"""Use cases of the Ameyo callback dialect: sessions, the filtered listings, deletion.

Ameyo clients log in once (`userLogin`, the token being the user's password) and send the
returned sessionId with every call. Sessions are kept in the database, as hashes, so that every
node of a cluster accepts them and a restart keeps them. Failed logins are counted per userId in
the database too, and lock that userId out for a while once there are too many.

What Ameyo lists are the callbacks not yet started (scheduled or waiting): once an attempt is under
way or over, the callback is gone from Ameyo's point of view, and deleting it is refused like an
unknown id.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.people import LOGIN, Principal
from ringback.domain.states import NOT_STARTED
from ringback.services import access
from ringback.services.callbacks import CallbackService
from ringback.services.ports import Clock, Transaction
from ringback.services.users import UserService, token_digest

#: the most callbacks one listing returns, as the document says
MAX_LIMIT = 100
#: the states Ameyo shows (ARCHITECTURE.md section 2: "listed")
LISTED_STATES = NOT_STARTED


class LoginsLimited(errors.RingbackError):
    """Too many failed logins for this userId: refused for `retry_after` more."""

    error_id = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class AmeyoSession:
    """A live session, as kept (the session id itself is never stored)."""

    login: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LoginFailures:
    """The failed logins of one userId since `first_failure_at`."""

    user_id: str
    failures: int
    first_failure_at: datetime
    locked_until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackFilter:
    """What an Ameyo listing asks for; None and () mean no filter.

    Date bounds are inclusive; a `*_to` bound covers its whole millisecond, Ameyo showing and
    taking times in epoch milliseconds.
    """

    queue_ids: Sequence[int] | None = None
    user_ids: tuple[str, ...] = ()
    added_from: datetime | None = None
    added_to: datetime | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    offset: int = 0
    limit: int = MAX_LIMIT


@dataclass(frozen=True, slots=True)
class AmeyoCallback:
    """A listed callback and the Ameyo userId of the agent it is scheduled to (None: any)."""

    callback: Callback
    user_id: str | None

    @property
    def callback_time(self) -> datetime:
        """Return when the callback is scheduled to be made (the store filters on the same)."""
        return callback_time(self.callback)


def callback_time(callback: Callback) -> datetime:
    """Return when a not-started callback is due: next action, else desired time, else creation."""
    return callback.next_action_at or callback.desired_time or callback.created_at


class AmeyoRepository(Protocol):
    """Ameyo sessions, failed logins, and the Ameyo view of the callbacks."""

    def add_session(self, session_hash: str, session: AmeyoSession) -> None:
        """Keep a new session under the hash of its id."""
        ...

    def get_session(self, session_hash: str) -> AmeyoSession | None:
        """Return the session whose id has this hash."""
        ...

    def purge_sessions(self, before: datetime) -> int:
        """Drop the sessions that expired before `before`."""
        ...

    def login_failures(self, user_id: str) -> LoginFailures | None:
        """Return the failed logins counted for `user_id`."""
        ...

    def put_login_failures(self, failures: LoginFailures) -> None:
        """Store (or replace) the failed logins of one userId."""
        ...

    def clear_login_failures(self, user_id: str) -> None:
        """Forget the failed logins of one userId."""
        ...

    def purge_login_failures(self, before: datetime) -> int:
        """Drop the counts started before `before` that lock nobody out any more."""
        ...

    def find_callbacks(self, wanted: CallbackFilter) -> list[AmeyoCallback]:
        """Return a page of the listed callbacks matching `wanted`, by callback time then id."""
        ...


class AmeyoTransaction(Transaction, Protocol):
    """A unit of work that also holds the Ameyo repository."""

    ameyo: AmeyoRepository


class AmeyoStore(Protocol):
    """Opens units of work that carry the Ameyo repository."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[AmeyoTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long sessions live and how failed logins are limited."""

    ttl: timedelta
    max_failed_logins: int
    lockout: timedelta


class AmeyoService:
    """Log in, list and delete callbacks the way Ameyo clients do."""

    def __init__(
        self,
        store: AmeyoStore,
        clock: Clock,
        users: UserService,
        callbacks: CallbackService,
        policy: SessionPolicy,
    ) -> None:
        self._store = store
        self._clock = clock
        self._users = users
        self._callbacks = callbacks
        self._policy = policy

    def login(self, user_id: str, token: str) -> str:
        """Check `token` as `user_id`'s password and open a session; return its id."""
        if not LOGIN.match(user_id):
            raise errors.Unauthenticated("wrong login or password")  # no such login can exist
        self._refuse_if_locked(user_id)
        try:
            user = self._users.authenticate(user_id, token)
        except errors.Unauthenticated:
            self._count_failure(user_id)
            raise
        return self._open_session(user.login)

    def principal_for_session(self, session_id: str) -> Principal:
        """Return who holds `session_id`, if it is a live session."""
        if not session_id:
            raise errors.Unauthenticated("a sessionId header is required")
        with self._store.transaction(read_only=True) as tx:
            session = tx.ameyo.get_session(token_digest(session_id))
            if session is None or session.expires_at <= self._clock.now():
                raise errors.Unauthenticated("the sessionId is invalid or has expired")
            user = tx.users.get(session.login)
        if user is None:
            raise errors.Unauthenticated("the sessionId is invalid or has expired")
        return Principal.of(user)

    def campaign_callbacks(
        self, actor: Principal, campaign_id: int, wanted: CallbackFilter
    ) -> list[AmeyoCallback]:
        """Return a page of the listed callbacks of one campaign (queue) the actor may see."""
        _check_page(wanted)
        access.require_queue(actor, campaign_id, "campaign")
        with self._store.transaction(read_only=True) as tx:
            if tx.queues.get(campaign_id) is None:
                raise errors.NotFound(f"campaign {campaign_id} does not exist")
            return tx.ameyo.find_callbacks(_capped(wanted, queue_ids=[campaign_id]))

    def tenant_callbacks(self, actor: Principal, wanted: CallbackFilter) -> list[AmeyoCallback]:
        """Return a page of the listed callbacks of every campaign the actor may see."""
        _check_page(wanted)
        with self._store.transaction(read_only=True) as tx:
            return tx.ameyo.find_callbacks(_capped(wanted, queue_ids=actor.visible_queue_ids()))

    def delete_callback(self, actor: Principal, customer_callback_id: str) -> Callback:
        """Cancel a listed callback; one that is unknown, hidden or not listed is not found."""
        callback_id = _callback_uuid(customer_callback_id)
        current = self._callbacks.get(actor, callback_id).callback
        if current.state not in LISTED_STATES:
            raise errors.NotFound(f"callback {customer_callback_id} is not scheduled")
        try:
            return self._callbacks.cancel(actor, callback_id)
        except errors.IllegalTransition as exc:  # claimed meanwhile: no longer listed
            raise errors.NotFound(f"callback {customer_callback_id} is not scheduled") from exc

    def _open_session(self, login: str) -> str:
        session_id = secrets.token_urlsafe(32)
        now = self._clock.now()
        session = AmeyoSession(login, now, now + self._policy.ttl)
        with self._store.transaction() as tx:
            tx.ameyo.clear_login_failures(login)
            tx.ameyo.purge_sessions(now)
            tx.ameyo.add_session(token_digest(session_id), session)
        return session_id

    def _refuse_if_locked(self, user_id: str) -> None:
        with self._store.transaction(read_only=True) as tx:
            counted = tx.ameyo.login_failures(user_id)
        until = counted.locked_until if counted else None
        now = self._clock.now()
        if until is not None and until > now:
            raise LoginsLimited(
                f"too many failed logins for {user_id}; try again later", retry_after=until - now
            )

    def _count_failure(self, user_id: str) -> None:
        # Two nodes may count the first failure of a userId at once: one of them retries.
        for attempt in range(2):
            try:
                self._add_failure(user_id)
                return
            except errors.Conflict:
                if attempt:
                    raise

    def _add_failure(self, user_id: str) -> None:
        now = self._clock.now()
        window_start = now - self._policy.lockout
        with self._store.transaction() as tx:
            tx.ameyo.purge_login_failures(window_start)
            counted = tx.ameyo.login_failures(user_id)
            if counted is None or counted.first_failure_at <= window_start:
                counted = LoginFailures(user_id, 0, now)
            failures = counted.failures + 1
            locked = (
                now + self._policy.lockout if failures >= self._policy.max_failed_logins else None
            )
            tx.ameyo.put_login_failures(
                LoginFailures(user_id, failures, counted.first_failure_at, locked)
            )


def _check_page(wanted: CallbackFilter) -> None:
    if wanted.limit < 1:
        raise errors.Invalid("limit must be at least 1", field="limit")
    if wanted.offset < 0:
        raise errors.Invalid("offset must be at least 0", field="offset")


def _capped(wanted: CallbackFilter, *, queue_ids: Sequence[int] | None) -> CallbackFilter:
    """Return `wanted` limited to `queue_ids` and to MAX_LIMIT callbacks."""
    return dataclasses.replace(wanted, queue_ids=queue_ids, limit=min(wanted.limit, MAX_LIMIT))


def _callback_uuid(customer_callback_id: str) -> UUID:
    try:
        return UUID(customer_callback_id)
    except ValueError as exc:
        raise errors.NotFound(f"callback {customer_callback_id} does not exist") from exc
