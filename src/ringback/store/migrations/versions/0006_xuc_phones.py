"""xuc 1.0: phone states, call history, xuc event subscriptions

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "xuc_phones",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=False),
        sa.Column("dnd", sa.Boolean(), nullable=False),
        sa.Column("forwards", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["username"],
            ["users.login"],
            name=op.f("fk_xuc_phones_username_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_xuc_phones")),
        sa.UniqueConstraint("line", name=op.f("uq_xuc_phones_line")),
    )
    op.create_table(
        "xuc_agent_sessions",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("agent_number", sa.String(length=32), nullable=False),
        sa.Column("phone_number", sa.String(length=40), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_xuc_agent_sessions_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_xuc_agent_sessions")),
        sa.UniqueConstraint("phone_number", name=op.f("uq_xuc_agent_sessions_phone_number")),
    )
    op.create_table(
        "xuc_calls",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("src_username", sa.String(length=64), nullable=True),
        sa.Column("src_number", sa.String(length=40), nullable=False),
        sa.Column("dst_username", sa.String(length=64), nullable=True),
        sa.Column("dst_number", sa.String(length=40), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ring_ms", sa.Integer(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("talk_ms", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("caller_id_name", sa.String(length=128), nullable=False),
        sa.Column("caller_id_number", sa.String(length=40), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xuc_calls")),
    )
    with op.batch_alter_table("xuc_calls", schema=None) as batch_op:
        batch_op.create_index("ix_xuc_calls_dst", ["dst_username", "start"], unique=False)
        batch_op.create_index("ix_xuc_calls_src", ["src_username", "start"], unique=False)
    op.create_table(
        "xuc_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_xuc_events")),
    )
    with op.batch_alter_table("xuc_events", schema=None) as batch_op:
        batch_op.create_index("ix_xuc_events_due", ["due_at", "id"], unique=False)
    op.create_table(
        "xuc_event_feeds",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("callback_cursor", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_xuc_event_feeds")),
    )


def downgrade() -> None:
    op.drop_table("xuc_event_feeds")
    with op.batch_alter_table("xuc_events", schema=None) as batch_op:
        batch_op.drop_index("ix_xuc_events_due")
    op.drop_table("xuc_events")
    with op.batch_alter_table("xuc_calls", schema=None) as batch_op:
        batch_op.drop_index("ix_xuc_calls_src")
        batch_op.drop_index("ix_xuc_calls_dst")
    op.drop_table("xuc_calls")
    op.drop_table("xuc_agent_sessions")
    op.drop_table("xuc_phones")
