"""The schema as SQLAlchemy Core tables; Alembic migrations are what build it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from ringback.store.types import UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

queues = Table(
    "queues",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(128), nullable=False, unique=True),
    Column("settings", JSON, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("login", String(64), primary_key=True),
    Column("password_hash", String(255)),
    Column("firstname", String(128), nullable=False, default=""),
    Column("name", String(128), nullable=False, default=""),
    Column("profile", String(16), nullable=False),
    Column("rights", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

agents = Table(
    "agents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("firstname", String(128), nullable=False),
    Column("lastname", String(128), nullable=False),
    Column("number", String(32), nullable=False),
    Column("context", String(64), nullable=False),
    Column("login", String(64), ForeignKey("users.login", ondelete="SET NULL")),
)

agent_queues = Table(
    "agent_queues",
    metadata,
    Column("agent_id", Integer, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
    Column("penalty", Integer, nullable=False, default=0),
)

callback_lists = Table(
    "callback_lists",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
)

periods = Table(
    "periods",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("period_start", String(8), nullable=False),
    Column("period_end", String(8), nullable=False),
    Column("is_default", Boolean, nullable=False, default=False),
)

callbacks = Table(
    "callbacks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("external_id", String(128), unique=True),
    Column("idempotency_key", String(255), unique=True),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
    Column("list_id", String(36), ForeignKey("callback_lists.uuid", ondelete="CASCADE")),
    Column("period_id", String(36), ForeignKey("periods.uuid", ondelete="SET NULL")),
    Column("state", String(16), nullable=False),
    Column("customer_number", String(40), nullable=False),
    Column("alternate_number", String(40), nullable=False, default=""),
    Column("first_name", String(128), nullable=False, default=""),
    Column("last_name", String(128), nullable=False, default=""),
    Column("company", String(128), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("customer_id", String(128), nullable=False, default=""),
    Column("language", String(32), nullable=False, default=""),
    Column("prompt", String(255), nullable=False, default=""),
    Column("uccx", JSON, nullable=False),
    Column("properties", JSON, nullable=False),
    Column("queue_start_time", UtcDateTime),
    Column("desired_time", UtcDateTime),
    Column("due_date", Date),
    Column("next_action_at", UtcDateTime),
    Column("expires_at", UtcDateTime),
    Column("version", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("slot", Integer, nullable=False, default=0),
    Column("lease_owner", String(128)),
    Column("lease_token", String(64)),
    Column("lease_expires_at", UtcDateTime),
    Column("owner_agent_id", Integer),
    Column("self_callback", Boolean, nullable=False, default=False),
    Column("reason", String(32)),
    Column("telephony_status", String(32)),
    Column("created_by", String(64), nullable=False, default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("completed_at", UtcDateTime),
    Index("ix_callbacks_due", "state", "next_action_at"),
    Index("ix_callbacks_queue_state", "queue_id", "state"),
    Index("ix_callbacks_number", "customer_number", "queue_id"),
    Index("ix_callbacks_lease", "state", "lease_expires_at"),
)

callback_events = Table(
    "callback_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "callback_id", String(36), ForeignKey("callbacks.id", ondelete="CASCADE"), nullable=False
    ),
    Column("queue_id", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("event", String(64), nullable=False),
    Column("from_state", String(16)),
    Column("to_state", String(16), nullable=False),
    Column("reason", String(32)),
    Column("detail", JSON, nullable=False),
    Index("ix_callback_events_callback", "callback_id", "id"),
    Index("ix_callback_events_queue", "queue_id", "id"),
)

secrets = Table(
    "secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

user_tokens = Table(
    "user_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("login", String(64), ForeignKey("users.login", ondelete="CASCADE"), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(255), nullable=False),
    Column("event_types", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("cursor", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", Text, nullable=False),
    Column("lease_owner", String(128)),
    Column("lease_expires_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
)

#: settings a dialect keeps beyond the queues (UCCX connection), one JSON document per dialect
dialect_settings = Table(
    "dialect_settings",
    metadata,
    Column("dialect", String(32), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# Sections below belong to one issue each, so that parallel work does not collide.

# --- XiVO config-mgt (issue 5, migration 0004) ---

# --- xuc 2.0 REST (issue 6, migration 0005) ---

# --- xuc 1.0 phones and events (issue 6, migration 0006) ---

# --- capacity and GMS (issue 7, migration 0007) ---

# --- Ameyo (issue 7, migration 0008) ---
