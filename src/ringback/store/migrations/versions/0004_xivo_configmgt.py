"""XiVO config-mgt: tickets, list and period columns, dissuasion

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_tickets",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("callback_id", sa.String(length=36), nullable=False),
        sa.Column("list_id", sa.String(length=36), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["callback_id"],
            ["callbacks.id"],
            name=op.f("fk_callback_tickets_callback_id_callbacks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["callback_lists.uuid"],
            name=op.f("fk_callback_tickets_list_id_callback_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("uuid", name=op.f("pk_callback_tickets")),
    )
    with op.batch_alter_table("callback_tickets", schema=None) as batch_op:
        batch_op.create_index("ix_callback_tickets_list", ["list_id", "started_at"], unique=False)
        batch_op.create_index("ix_callback_tickets_callback", ["callback_id"], unique=False)
    op.create_table(
        "queue_dissuasions",
        sa.Column("queue_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
            name=op.f("fk_queue_dissuasions_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("queue_id", name=op.f("pk_queue_dissuasions")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_callbacks_list", ["list_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_list")
    op.drop_table("queue_dissuasions")
    with op.batch_alter_table("callback_tickets", schema=None) as batch_op:
        batch_op.drop_index("ix_callback_tickets_callback")
        batch_op.drop_index("ix_callback_tickets_list")
    op.drop_table("callback_tickets")
