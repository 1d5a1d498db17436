"""The seam between the engine and the dialects: the Core each is given, and what a Dialect is.

bootstrap builds one Core (the engine's use cases on one store and one clock) and hands it to
every registered Dialect. A dialect answers with a Wing: the routes it serves, and what it adds
to the dispatcher (telephony adapters, event feeds) and to the demo. The engine never imports
a dialect; a dialect reaches the engine only through the Core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from starlette.routing import BaseRoute

from ringback.domain.queues import TelephonyKind
from ringback.services.agents import AgentService
from ringback.services.callbacks import CallbackService
from ringback.services.events import EventService
from ringback.services.ports import Clock, EventFeed, PasswordHasher, Telephony
from ringback.services.qualifications import QualificationService
from ringback.services.queues import QueueService
from ringback.services.users import UserService
from ringback.services.webhooks import WebhookService
from ringback.settings import Settings
from ringback.store.transaction import SqlStore


@dataclass(frozen=True, slots=True, kw_only=True)
class Core:
    """Every use case the dialects share, wired to one store and one clock."""

    settings: Settings
    store: SqlStore
    clock: Clock
    hasher: PasswordHasher
    queues: QueueService
    users: UserService
    agents: AgentService
    callbacks: CallbackService
    events: EventService
    webhooks: WebhookService
    qualifications: QualificationService


#: what a wing adds to `ringback serve --demo`: it creates its missing demo data, and says what
DemoData = Callable[[], list[str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Wing:
    """What one dialect serves and adds to the engine, built once per process."""

    name: str
    #: the routes of the main application that lead to this dialect (mounts, mostly)
    routes: Sequence[BaseRoute]
    #: adapters this dialect gives the dispatcher, for the queues that name their kind
    telephony: Mapping[TelephonyKind, Telephony] = field(default_factory=dict)
    #: event feeds the outbox worker delivers for this dialect
    feeds: Sequence[EventFeed[Any]] = ()
    demo: DemoData | None = None


class Dialect(Protocol):
    """A vendor API over the engine."""

    @property
    def name(self) -> str:
        """Return the dialect's short name, as its wing's folder is called."""
        ...

    @property
    def prefix(self) -> str:
        """Return the path its routes answer below."""
        ...

    def build(self, core: Core) -> Wing:
        """Wire the dialect's own services to `core` and return its routes and additions."""
        ...
