"""capacity bookings

Creates capacity_bookings and books every open callback into the bucket of its next action, so
that capacity counts the callbacks stored before this revision too.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from ringback.domain.capacity import bucket_start

OPEN = ("scheduled", "waiting", "dispatching", "offered", "reserved", "dialing")

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_bookings",
        sa.Column("callback_id", sa.String(length=36), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callbacks.id"],
            name=op.f("fk_capacity_bookings_callback_id_callbacks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
            name=op.f("fk_capacity_bookings_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("callback_id", name=op.f("pk_capacity_bookings")),
    )
    with op.batch_alter_table("capacity_bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_capacity_bookings_bucket", ["queue_id", "bucket_start"], unique=False
        )
    _book_open_callbacks()


def _book_open_callbacks() -> None:
    connection = op.get_bind()
    meta = sa.MetaData()
    queues = sa.Table("queues", meta, autoload_with=connection)
    callbacks = sa.Table("callbacks", meta, autoload_with=connection)
    bookings = sa.Table("capacity_bookings", meta, autoload_with=connection)
    sizes = {row.id: _bucket_of(row.settings) for row in connection.execute(sa.select(queues))}
    found = connection.execute(
        sa.select(callbacks.c.id, callbacks.c.queue_id, callbacks.c.next_action_at,
                  callbacks.c.created_at).where(callbacks.c.state.in_(OPEN))
    )  # fmt: skip
    rows = [
        {"callback_id": cb.id, "queue_id": cb.queue_id,
         "bucket_start": _start(cb.next_action_at or cb.created_at, *sizes[cb.queue_id])}
        for cb in found
    ]  # fmt: skip
    if rows:
        connection.execute(sa.insert(bookings), rows)


def _bucket_of(settings: Any) -> tuple[int, str]:
    values = settings if isinstance(settings, dict) else {}
    return int(values.get("bucket_minutes", 5)), str(values.get("timezone", "UTC"))


def _start(at: datetime, minutes: int, timezone: str) -> datetime:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # SQLite returns naive UTC
    start = bucket_start(moment, minutes, timezone)
    return start.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else start


def downgrade() -> None:
    with op.batch_alter_table("capacity_bookings", schema=None) as batch_op:
        batch_op.drop_index("ix_capacity_bookings_bucket")
    op.drop_table("capacity_bookings")
