"""Conversions between table rows and domain objects."""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import RowMapping

from ringback.domain.callbacks import Callback, Lease, StateChange, UccxFields
from ringback.domain.people import Agent, Membership, Profile, Rights, User
from ringback.domain.queues import Dedup, DispatchMode, Queue, QueueSettings, TelephonyKind
from ringback.domain.retry import MissedAction
from ringback.domain.states import Reason, State

_SETTING_ENUMS: dict[str, type[Enum]] = {
    "missed_action": MissedAction,
    "dedup": Dedup,
    "dispatch_mode": DispatchMode,
    "telephony": TelephonyKind,
}
_SETTING_FIELDS = {f.name for f in dataclasses.fields(QueueSettings)}


def settings_from_json(data: dict[str, Any]) -> QueueSettings:
    """Rebuild queue settings; keys written by a newer version are ignored."""
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _SETTING_FIELDS:
            continue
        if name in _SETTING_ENUMS:
            value = _SETTING_ENUMS[name](value)
        values[name] = tuple(value) if isinstance(value, list) else value
    return QueueSettings(**values)


def queue_from_row(row: RowMapping) -> Queue:
    """Build a Queue from a queues row."""
    return Queue(row["id"], settings_from_json(row["settings"]))


def rights_to_json(rights: Rights) -> dict[str, Any]:
    """Return rights as JSON-ready values."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(rights).items()
    }


def user_from_row(row: RowMapping) -> User:
    """Build a User from a users row."""
    data = row["rights"]
    rights = Rights(
        queue_ids=tuple(data.get("queue_ids", ())),
        group_ids=tuple(data.get("group_ids", ())),
        incall_ids=tuple(data.get("incall_ids", ())),
        recording_access=bool(data.get("recording_access", True)),
        dissuasion_access=bool(data.get("dissuasion_access", False)),
    )
    return User(
        login=row["login"],
        profile=Profile(row["profile"]),
        firstname=row["firstname"],
        name=row["name"],
        rights=rights,
        password_hash=row["password_hash"],
        created_at=row["created_at"],
    )


def agent_from_row(row: RowMapping, memberships: list[Membership]) -> Agent:
    """Build an Agent from an agents row and its memberships."""
    return Agent(
        id=row["id"],
        firstname=row["firstname"],
        lastname=row["lastname"],
        number=row["number"],
        context=row["context"],
        queues=tuple(memberships),
        login=row["login"],
    )


def callback_to_row(callback: Callback) -> dict[str, Any]:
    """Return the column values of a callback."""
    values = {
        f.name: getattr(callback, f.name)
        for f in dataclasses.fields(Callback)
        if f.name not in ("id", "list_id", "period_id", "uccx", "lease", "state", "reason")
    }
    lease = callback.lease
    values.update(
        id=str(callback.id),
        list_id=str(callback.list_id) if callback.list_id else None,
        period_id=str(callback.period_id) if callback.period_id else None,
        uccx={**dataclasses.asdict(callback.uccx), "custom_vars": list(callback.uccx.custom_vars)},
        state=callback.state.value,
        reason=callback.reason.value if callback.reason else None,
        lease_owner=lease.owner if lease else None,
        lease_token=lease.token if lease else None,
        lease_expires_at=lease.expires_at if lease else None,
    )
    return values


def callback_from_row(row: RowMapping) -> Callback:
    """Build a Callback from a callbacks row."""
    skip = {"idempotency_key", "lease_owner", "lease_token", "lease_expires_at"}
    values = {k: v for k, v in row.items() if k not in skip}
    uccx = dict(row["uccx"])
    uccx["custom_vars"] = tuple(uccx.get("custom_vars", ()))
    lease = None
    if row["lease_token"] is not None:
        lease = Lease(row["lease_owner"], row["lease_token"], row["lease_expires_at"])
    values.update(
        id=UUID(row["id"]),
        list_id=UUID(row["list_id"]) if row["list_id"] else None,
        period_id=UUID(row["period_id"]) if row["period_id"] else None,
        uccx=UccxFields(**uccx),
        state=State(row["state"]),
        reason=Reason(row["reason"]) if row["reason"] else None,
        lease=lease,
        properties=dict(row["properties"]),
    )
    return Callback(**values)


def change_from_row(row: RowMapping) -> StateChange:
    """Build a StateChange from a callback_events row."""
    return StateChange(
        id=row["id"],
        callback_id=UUID(row["callback_id"]),
        at=row["at"],
        actor=row["actor"],
        event=row["event"],
        from_state=State(row["from_state"]) if row["from_state"] else None,
        to_state=State(row["to_state"]),
        reason=row["reason"],
        detail=dict(row["detail"]),
        queue_id=row["queue_id"],
    )
