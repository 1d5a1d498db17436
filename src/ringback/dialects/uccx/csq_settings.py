"""getsettings and setsettings: the UCCX connection and the CSQs' settings, replaced at once.

The connection (master node, port, send-back prefix, timeouts, contact-data URL and token) is one
JSON document in the dialect-settings store, whose `updated_at` is the `SettingsLastUpdate` that
checkserverstatus and checkcsqstatus show. The UCCX telephony adapter reads it from here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from ringback.domain.people import Principal
from ringback.domain.queues import Queue, QueueSettings
from ringback.services import access
from ringback.services.ports import Clock, Store, StoredDialectSettings, Transaction
from ringback.services.queues import put_queues
from ringback.telephony.uccx import UccxConnection

DIALECT = "uccx"


@dataclass(frozen=True, slots=True)
class CsqSettings:
    """One CSQ of a setsettings document: the queue id (None: a new queue) and its settings."""

    queue_id: int | None
    settings: QueueSettings


@dataclass(frozen=True, slots=True)
class UccxSettings:
    """Everything getsettings shows and setsettings replaces."""

    connection: UccxConnection
    queues: list[Queue]
    updated_at: datetime | None


class UccxSettingsService:
    """The UCCX connection and the CSQs, as one settings document (admins only)."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def get(self, actor: Principal) -> UccxSettings:
        """Return the UCCX connection and every CSQ's settings."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            connection, updated_at = load_connection(tx)
            return UccxSettings(connection, tx.queues.all(), updated_at)

    def set(
        self, actor: Principal, csqs: list[CsqSettings] | None, connection: UccxConnection | None
    ) -> None:
        """Replace the given CSQs and the connection, all or nothing."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            put_queues(tx, [(csq.queue_id, csq.settings) for csq in csqs or []])
            current, _ = load_connection(tx)
            save_connection(tx, connection or current, self._clock.now())

    def connection(self) -> UccxConnection | None:
        """Return the stored UCCX connection, None before setsettings ever stored one."""
        with self._store.transaction(read_only=True) as tx:
            found, updated_at = load_connection(tx)
        return found if updated_at is not None else None

    def last_update(self) -> datetime | None:
        """Return when setsettings last stored the settings, None if it never did."""
        with self._store.transaction(read_only=True) as tx:
            return load_connection(tx)[1]


def load_connection(tx: Transaction) -> tuple[UccxConnection, datetime | None]:
    """Return the stored connection (defaults when never set) and when it last changed."""
    stored = tx.dialect_settings.get(DIALECT)
    if stored is None:
        return UccxConnection(), None
    known = {f.name for f in dataclasses.fields(UccxConnection)}
    values = {k: v for k, v in stored.value.items() if k in known}
    return UccxConnection(**values), stored.updated_at


def save_connection(tx: Transaction, connection: UccxConnection, now: datetime) -> None:
    """Store the connection, stamping it as the latest settings change."""
    tx.dialect_settings.put(DIALECT, StoredDialectSettings(connection.as_dict(), now))
