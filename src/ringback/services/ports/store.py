"""The store: units of work and the repositories they hold, all in one database transaction.

The use case owns the transaction (ARCHITECTURE.md rule 4): it opens a unit of work with
`Store.transaction()` and commits by leaving the block; repositories never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from ringback.domain.callbacks import Callback, StateChange
from ringback.domain.people import Agent, User
from ringback.domain.qualifications import Qualification, QualificationAnswer
from ringback.domain.queues import Queue
from ringback.domain.states import State
from ringback.domain.webhooks import Subscription


class QueueRepository(Protocol):
    """Queues and their settings."""

    def get(self, queue_id: int) -> Queue | None:
        """Return the queue with this id."""
        ...

    def all(self) -> list[Queue]:
        """Return every queue, by id."""
        ...

    def add(self, queue: Queue) -> None:
        """Store a new queue (its id and name are free)."""
        ...

    def update(self, queue: Queue) -> None:
        """Replace a stored queue."""
        ...

    def delete(self, queue_id: int) -> None:
        """Remove a queue."""
        ...

    def next_id(self) -> int:
        """Return an id no queue has."""
        ...


class UserRepository(Protocol):
    """Users and their rights."""

    def get(self, login: str) -> User | None:
        """Return the user with this login."""
        ...

    def all(self) -> list[User]:
        """Return every user, by login."""
        ...

    def add(self, user: User) -> None:
        """Store a new user."""
        ...

    def update(self, user: User) -> None:
        """Replace a stored user."""
        ...

    def delete(self, login: str) -> None:
        """Remove a user and its tokens."""
        ...


class AgentRepository(Protocol):
    """Agents and their queue memberships."""

    def get(self, agent_id: int) -> Agent | None:
        """Return the agent with this id."""
        ...

    def all(self) -> list[Agent]:
        """Return every agent, by id."""
        ...

    def add(self, agent: Agent) -> None:
        """Store a new agent."""
        ...

    def update(self, agent: Agent) -> None:
        """Replace a stored agent and its memberships."""
        ...

    def delete(self, agent_id: int) -> None:
        """Remove an agent."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackQuery:
    """Filters and paging for listing callbacks; None means no filter."""

    queue_ids: Sequence[int] | None = None
    states: Sequence[State] | None = None
    customer_number: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    offset: int = 0
    limit: int = 100


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing and the total number of matches."""

    total: int
    items: list[Callback] = field(default_factory=list)


class CallbackRepository(Protocol):
    """Callbacks; the only writer of the callbacks table."""

    def get(self, callback_id: UUID, *, for_update: bool = False) -> Callback | None:
        """Return the callback with this id; `for_update` locks it until the transaction ends."""
        ...

    def get_many(self, callback_ids: Sequence[UUID]) -> dict[UUID, Callback]:
        """Return the callbacks with these ids that exist, by id."""
        ...

    def get_by_external_id(self, external_id: str) -> Callback | None:
        """Return the callback with this client-chosen id."""
        ...

    def get_by_idempotency_key(self, key: str) -> Callback | None:
        """Return the callback created with this Idempotency-Key."""
        ...

    def add(self, callback: Callback, *, idempotency_key: str | None = None) -> None:
        """Store a new callback."""
        ...

    def add_many(self, new: Sequence[Callback]) -> None:
        """Store many new callbacks (none with an Idempotency-Key) in one statement."""
        ...

    def delete_of_list(self, list_id: UUID) -> int:
        """Remove the callbacks of a list (their history and places go with them)."""
        ...

    def forget_period(self, period_id: UUID) -> None:
        """Leave the callbacks that preferred a period with no preferred period."""
        ...

    def update(
        self,
        callback: Callback,
        *,
        lease_token: str | None = None,
        expected_version: int | None = None,
    ) -> bool:
        """Replace a stored callback; only if it holds `lease_token` / is at `expected_version`."""
        ...

    def update_progress(self, callback: Callback, *, lease_token: str) -> bool:
        """Write only the fields the dispatcher changes, while `lease_token` holds the lease."""
        ...

    def find(self, query: CallbackQuery) -> Page:
        """Return the callbacks matching `query`, newest first."""
        ...

    def count_open_for_number(self, queue_id: int, customer_number: str) -> int:
        """Count the open callbacks of one number in one queue."""
        ...

    def count_open_in_queue(self, queue_id: int) -> int:
        """Count the open callbacks of a queue."""
        ...

    def lock_number(self, queue_id: int, customer_number: str) -> None:
        """Hold, until the transaction ends, the right to admit callbacks for this number."""
        ...

    def lock_numbers(self, queue_id: int, numbers: Sequence[str]) -> None:
        """Hold, until the transaction ends, the right to admit callbacks for these numbers."""
        ...

    def open_counts(self, queue_id: int, numbers: Sequence[str]) -> dict[str, int]:
        """Count the open callbacks of each of these numbers in one queue."""
        ...

    def counts_by_state(self) -> dict[tuple[int, str], int]:
        """Count callbacks per (queue, state)."""
        ...

    def claim_due(
        self,
        *,
        now: datetime,
        owner: str,
        token: str,
        lease_until: datetime,
        limit: int,
        queue_ids: Sequence[int] | None = None,
        started_before: datetime | None = None,
    ) -> list[Callback]:
        """Move up to `limit` due waiting callbacks to dispatching under the given lease."""
        ...

    def renew_leases(self, *, token: str, until: datetime) -> int:
        """Extend every lease held under `token`; return how many were extended."""
        ...

    def due_in_state(self, state: State, *, now: datetime, limit: int) -> list[Callback]:
        """Return callbacks in `state` whose next action time has come, oldest first."""
        ...

    def expired_leases(self, *, now: datetime, limit: int) -> list[Callback]:
        """Return dispatching callbacks whose lease has expired."""
        ...

    def past_expiry(self, *, now: datetime, limit: int) -> list[Callback]:
        """Return not-yet-started callbacks whose time to live has run out."""
        ...

    def count_in_flight(self, queue_id: int) -> int:
        """Count the callbacks of a queue handed to telephony and not yet reserved."""
        ...

    def count_open_with_numbers(self, numbers: Sequence[str]) -> int:
        """Count the open callbacks, in any queue, whose customer number is one of `numbers`."""
        ...

    def open_in_queue(self, queue_id: int) -> list[Callback]:
        """Return the open callbacks of a queue, earliest queue start time first."""
        ...

    def lock_bucket(self, queue_id: int, bucket_start: datetime) -> None:
        """Hold, until the transaction ends, the right to book into this capacity bucket."""
        ...

    def bucket_use(self, queue_id: int, bucket_start: datetime) -> int:
        """Count the callbacks holding a place in one capacity bucket."""
        ...

    def bucket_uses(self, queue_id: int, start: datetime, end: datetime) -> dict[datetime, int]:
        """Count the places held per capacity bucket, for the buckets starting in [start, end)."""
        ...

    def booked_bucket(self, callback_id: UUID) -> datetime | None:
        """Return the start of the capacity bucket a callback holds, None if it holds none."""
        ...

    def book(self, callback_id: UUID, queue_id: int, bucket_start: datetime) -> None:
        """Record that a stored callback holds a place in a bucket (moving it from another)."""
        ...

    def open_due_before(self, queue_id: int, end: datetime, limit: int) -> list[Callback]:
        """Return a queue's open callbacks whose next action comes before `end`, soonest first."""
        ...


class EventLog(Protocol):
    """The append-only record of every state change."""

    def append(self, change: StateChange) -> None:
        """Record one state change."""
        ...

    def append_many(self, changes: Sequence[StateChange]) -> None:
        """Record several state changes in one statement."""
        ...

    def for_callback(self, callback_id: UUID) -> list[StateChange]:
        """Return the history of one callback, oldest first."""
        ...

    def after(
        self, event_id: int, *, limit: int, queue_ids: Sequence[int] | None = None
    ) -> list[StateChange]:
        """Return the changes recorded after `event_id`, oldest first."""
        ...

    def last_id(self) -> int:
        """Return the id of the newest change, 0 when there is none."""
        ...


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A user token as kept: only its hash is stored."""

    login: str
    expires_at: datetime


class SecretRepository(Protocol):
    """Server secrets and session tokens, all kept as hashes."""

    def get(self, name: str) -> str | None:
        """Return the stored value of a named secret."""
        ...

    def put(self, name: str, value: str) -> None:
        """Store (or replace) a named secret."""
        ...

    def add_token(self, token_hash: str, token: StoredToken) -> None:
        """Keep a user token's hash."""
        ...

    def get_token(self, token_hash: str) -> StoredToken | None:
        """Return the token with this hash."""
        ...

    def purge_tokens(self, before: datetime) -> int:
        """Drop tokens that expired before `before`."""
        ...


class WebhookRepository(Protocol):
    """Webhook subscriptions and their delivery cursors."""

    def get(self, subscription_id: UUID) -> Subscription | None:
        """Return one subscription."""
        ...

    def all(self) -> list[Subscription]:
        """Return every subscription, oldest first."""
        ...

    def add(self, subscription: Subscription) -> None:
        """Store a new subscription."""
        ...

    def update(self, subscription: Subscription) -> None:
        """Replace a subscription's settings."""
        ...

    def delete(self, subscription_id: UUID) -> None:
        """Remove a subscription."""
        ...

    def lease_due(
        self, *, owner: str, now: datetime, until: datetime, limit: int
    ) -> list[Subscription]:
        """Lease the active subscriptions due for delivery and not leased by anyone else."""
        ...

    def release(
        self, subscription_id: UUID, *, owner: str, cursor: int, failures: int,
        next_attempt_at: datetime | None, last_error: str,
    ) -> bool:  # fmt: skip
        """Record a delivery's result and drop the lease, if `owner` still holds it."""
        ...


@dataclass(frozen=True, slots=True)
class StoredDialectSettings:
    """One dialect's own settings document and when it last changed."""

    value: dict[str, Any]
    updated_at: datetime


class DialectSettingsRepository(Protocol):
    """Settings a dialect keeps beyond the queues (the UCCX connection), one per dialect."""

    def get(self, dialect: str) -> StoredDialectSettings | None:
        """Return the stored settings of `dialect`."""
        ...

    def put(self, dialect: str, settings: StoredDialectSettings) -> None:
        """Store (or replace) the settings of `dialect`."""
        ...


class QualificationRepository(Protocol):
    """Qualifications with their sub-qualifications and queues, and the answers given."""

    def all(self) -> list[Qualification]:
        """Return every qualification, by id."""
        ...

    def get(self, qualification_id: int) -> Qualification | None:
        """Return one qualification."""
        ...

    def for_queue(self, queue_id: int) -> list[Qualification]:
        """Return the qualifications offered in a queue, by id."""
        ...

    def add(self, qualification: Qualification) -> Qualification:
        """Store a new qualification; return it with its ids and its subs' ids."""
        ...

    def update(self, qualification: Qualification) -> Qualification:
        """Replace a qualification; subs without id are new, missing ones are removed."""
        ...

    def delete(self, qualification_id: int) -> None:
        """Remove a qualification and its subs (answers stay)."""
        ...

    def add_answer(self, answer: QualificationAnswer, created_by: str) -> int:
        """Store an answer and return its id."""
        ...

    def answers(self, queue_id: int, start: datetime, end: datetime) -> list[QualificationAnswer]:
        """Return the answers of a queue with start <= time < end, oldest first."""
        ...


class Transaction(Protocol):
    """One unit of work: the repositories, all in one database transaction."""

    queues: QueueRepository
    users: UserRepository
    agents: AgentRepository
    callbacks: CallbackRepository
    events: EventLog
    secrets: SecretRepository
    webhooks: WebhookRepository
    dialect_settings: DialectSettingsRepository
    qualifications: QualificationRepository
    # A wing with tables of its own declares its repositories in its service.py, by a protocol
    # extending this one (XivoTransaction, AmeyoTransaction...).


class Store(Protocol):
    """Opens units of work; a use case commits by leaving the block without an error."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Transaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...

    def ping(self) -> None:
        """Raise errors.Unavailable when the database cannot be reached."""
        ...
