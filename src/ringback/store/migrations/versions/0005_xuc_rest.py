"""xuc 2.0: personal contacts, qualification answers, push tokens

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT = sa.String(length=128)


def upgrade() -> None:
    _personal_contacts()
    _qualifications()
    _qualification_answers()
    _push_tokens()


def _personal_contacts() -> None:
    op.create_table(
        "personal_contacts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        *(sa.Column(name, TEXT, nullable=False) for name in _CONTACT_FIELDS),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner"],
            ["users.login"],
            name=op.f("fk_personal_contacts_owner_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_contacts")),
    )
    op.create_index("ix_personal_contacts_owner", "personal_contacts", ["owner", "lastname"])


_CONTACT_FIELDS = ("firstname", "lastname", "number", "mobile", "fax", "email", "company")


def _qualifications() -> None:
    op.create_table(
        "qualifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualifications")),
    )
    op.create_table(
        "qualification_queues",
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_qualification_queues_qualification_id_qualifications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
            name=op.f("fk_qualification_queues_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "qualification_id", "queue_id", name=op.f("pk_qualification_queues")
        ),
    )
    op.create_table(
        "sub_qualifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("qualification_id", sa.Integer(), nullable=False),
        sa.Column("name", TEXT, nullable=False),
        sa.ForeignKeyConstraint(
            ["qualification_id"],
            ["qualifications.id"],
            name=op.f("fk_sub_qualifications_qualification_id_qualifications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sub_qualifications")),
    )


def _qualification_answers() -> None:
    op.create_table(
        "qualification_answers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sub_qualification_id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("callid", TEXT, nullable=False),
        sa.Column("agent", sa.Integer(), nullable=False),
        sa.Column("queue", sa.Integer(), nullable=False),
        sa.Column("first_name", TEXT, nullable=False),
        sa.Column("last_name", TEXT, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("custom_data", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qualification_answers")),
    )
    op.create_index(
        "ix_qualification_answers_queue_time", "qualification_answers", ["queue", "time"]
    )


def _push_tokens() -> None:
    op.create_table(
        "push_tokens",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("token", sa.String(length=4096), nullable=False),
        sa.Column("api_version", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_push_tokens_login_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("login", "platform", name=op.f("pk_push_tokens")),
    )


def downgrade() -> None:
    op.drop_table("push_tokens")
    op.drop_index("ix_qualification_answers_queue_time", table_name="qualification_answers")
    op.drop_table("qualification_answers")
    op.drop_table("sub_qualifications")
    op.drop_table("qualification_queues")
    op.drop_table("qualifications")
    op.drop_index("ix_personal_contacts_owner", table_name="personal_contacts")
    op.drop_table("personal_contacts")
