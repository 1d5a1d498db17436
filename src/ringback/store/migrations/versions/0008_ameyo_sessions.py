"""Ameyo sessions

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ameyo_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["login"],
            ["users.login"],
            name=op.f("fk_ameyo_sessions_login_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_ameyo_sessions")),
    )
    op.create_index("ix_ameyo_sessions_expires_at", "ameyo_sessions", ["expires_at"])
    op.create_table(
        "ameyo_login_failures",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_ameyo_login_failures")),
    )


def downgrade() -> None:
    op.drop_table("ameyo_login_failures")
    op.drop_index("ix_ameyo_sessions_expires_at", table_name="ameyo_sessions")
    op.drop_table("ameyo_sessions")
