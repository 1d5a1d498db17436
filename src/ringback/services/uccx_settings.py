"""The UCCX Callback Server's own settings: the UCCX connection, and CSQ settings replaced at once.

The connection (master node, port, send-back prefix, timeouts, contact-data URL and token) is one
JSON document in the dialect-settings store, whose `updated_at` is the `SettingsLastUpdate` that
checkserverstatus and checkcsqstatus show.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ringback.domain import errors
from ringback.domain.queues import Queue, QueueSettings
from ringback.services.ports import StoredDialectSettings, Transaction

DIALECT = "uccx"
MAX_TIMEOUT_SECONDS = 60.0
MAX_TEXT = 255


@dataclass(frozen=True, slots=True, kw_only=True)
class UccxConnection:
    """How ringback reaches UCCX: the master node's HTTP triggers and the contact-data feed."""

    master_node: str = ""
    port: int = 9080
    sendback_prefix: str = ""
    connect_timeout_seconds: float = 2.0
    read_timeout_seconds: float = 5.0
    contact_data_url: str = ""
    contact_data_token: str = ""

    def __post_init__(self) -> None:
        for name in ("master_node", "sendback_prefix", "contact_data_url", "contact_data_token"):
            _check_text(name, getattr(self, name))
        if any(c.isspace() for c in self.master_node):
            raise errors.Invalid("master_node must be a host name or address", field="master_node")
        if isinstance(self.port, bool) or not isinstance(self.port, int):
            raise errors.Invalid("port must be an integer", field="port")
        if not 1 <= self.port <= 65535:
            raise errors.Invalid("port must be between 1 and 65535", field="port")
        for name in ("connect_timeout_seconds", "read_timeout_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise errors.Invalid(f"{name} must be a number", field=name)
            if not 0 < value <= MAX_TIMEOUT_SECONDS:
                raise errors.Invalid(
                    f"{name} must be above 0 and at most {MAX_TIMEOUT_SECONDS:g}", field=name
                )
        url = self.contact_data_url
        if url and not url.startswith(("http://", "https://")):
            raise errors.Invalid(
                "contact_data_url must be an http:// or https:// URL", field="contact_data_url"
            )

    def as_dict(self) -> dict[str, Any]:
        """Return the connection as plain JSON values."""
        return dataclasses.asdict(self)


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise errors.Invalid(f"{name} must be text of at most {MAX_TEXT} characters", field=name)


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


def load_connection(tx: Transaction) -> tuple[UccxConnection, datetime | None]:
    """Return the stored connection (defaults when never set) and when it last changed."""
    stored = tx.dialect_settings.get(DIALECT)
    if stored is None:
        return UccxConnection(), None
    known = {f.name for f in dataclasses.fields(UccxConnection)}
    return UccxConnection(**{k: v for k, v in stored.value.items() if k in known}), (
        stored.updated_at
    )


def save_connection(tx: Transaction, connection: UccxConnection, now: datetime) -> None:
    """Store the connection, stamping it as the latest settings change."""
    tx.dialect_settings.put(DIALECT, StoredDialectSettings(connection.as_dict(), now))


def planned_queues(tx: Transaction, csqs: list[CsqSettings]) -> list[Queue]:
    """Build (and so validate) every queue a setsettings document asks for, before any write."""
    stored = {queue.id: queue for queue in tx.queues.all()}
    next_id = max(stored, default=0) + 1
    planned: list[Queue] = []
    for csq in csqs:
        if csq.queue_id is None:
            queue_id, next_id = next_id, next_id + 1
        else:
            queue_id = csq.queue_id
        planned.append(Queue(queue_id, csq.settings))
    _check_unique(planned, stored)
    return planned


def _check_unique(planned: list[Queue], stored: dict[int, Queue]) -> None:
    """Refuse a document whose queues repeat an id or would share a name or alias."""
    final = dict(stored)
    for queue in planned:
        if sum(1 for other in planned if other.id == queue.id) > 1:
            raise errors.Invalid(f"csq id {queue.id} appears twice", field="id")
        final[queue.id] = queue
    owner: dict[str, int] = {}
    for queue in final.values():
        for name in (queue.name, *queue.settings.aliases):
            if owner.setdefault(name, queue.id) != queue.id:
                raise errors.Conflict(
                    f"name {name!r} would belong to queues {owner[name]} and {queue.id}",
                    field="name",
                )


def write_queues(tx: Transaction, planned: list[Queue]) -> None:
    """Replace or add each planned queue."""
    for queue in planned:
        if tx.queues.get(queue.id) is None:
            tx.queues.add(queue)
        else:
            tx.queues.update(queue)
