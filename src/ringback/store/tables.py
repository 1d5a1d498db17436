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

# XiVO config-mgt (migration 0004).

#: one agent's attempt on a XiVO callback request (CCAgent's "start"), summed up at close
callback_tickets = Table(
    "callback_tickets",
    metadata,
    Column("uuid", String(36), primary_key=True),
    Column(
        "callback_id", String(36), ForeignKey("callbacks.id", ondelete="CASCADE"), nullable=False
    ),
    Column("list_id", String(36), ForeignKey("callback_lists.uuid", ondelete="CASCADE")),
    Column("agent_id", Integer, nullable=False),
    Column("agent", String(32), nullable=False),
    Column("status", String(16)),
    Column("comment", Text, nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("closed_at", UtcDateTime),
    Index("ix_callback_tickets_list", "list_id", "started_at"),
    Index("ix_callback_tickets_callback", "callback_id"),
)

#: where a queue sends the callers it dissuades: a sound file or another queue
queue_dissuasions = Table(
    "queue_dissuasions",
    metadata,
    Column(
        "queue_id",
        Integer,
        ForeignKey("queues.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("kind", String(16), nullable=False),
    Column("value", String(255), nullable=False),
)

Index("ix_callbacks_list", callbacks.c.list_id)

# xuc 2.0 REST (migration 0005).

#: a user's own phone book (xuc personal contacts)
personal_contacts = Table(
    "personal_contacts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner", String(64), ForeignKey("users.login", ondelete="CASCADE"), nullable=False),
    Column("firstname", String(128), nullable=False),
    Column("lastname", String(128), nullable=False),
    Column("number", String(128), nullable=False),
    Column("mobile", String(128), nullable=False),
    Column("fax", String(128), nullable=False),
    Column("email", String(128), nullable=False),
    Column("company", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_personal_contacts_owner", "owner", "lastname"),
)

qualifications = Table(
    "qualifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False),
)

qualification_queues = Table(
    "qualification_queues",
    metadata,
    Column(
        "qualification_id",
        Integer,
        ForeignKey("qualifications.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True),
)

sub_qualifications = Table(
    "sub_qualifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "qualification_id",
        Integer,
        ForeignKey("qualifications.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("name", String(128), nullable=False),
)

#: answers outlive their sub-qualification and queue: they are the reporting source
qualification_answers = Table(
    "qualification_answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sub_qualification_id", Integer, nullable=False),
    Column("time", UtcDateTime, nullable=False),
    Column("callid", String(128), nullable=False),
    Column("agent", Integer, nullable=False),
    Column("queue", Integer, nullable=False),
    Column("first_name", String(128), nullable=False),
    Column("last_name", String(128), nullable=False),
    Column("comment", Text, nullable=False),
    Column("custom_data", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Index("ix_qualification_answers_queue_time", "queue", "time"),
)

#: mobile push registration tokens, one per user and platform
push_tokens = Table(
    "push_tokens",
    metadata,
    Column("login", String(64), ForeignKey("users.login", ondelete="CASCADE"), primary_key=True),
    Column("platform", String(16), primary_key=True),
    Column("token", String(4096), nullable=False),
    Column("api_version", String(16), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# xuc 1.0 phones and events (migration 0006).

#: each user's xuc line: its number, DND and forwards ({"unc"|"na"|"busy": {enabled, destination}})
xuc_phones = Table(
    "xuc_phones",
    metadata,
    Column("username", String(64), ForeignKey("users.login", ondelete="CASCADE"), primary_key=True),
    Column("line", String(40), nullable=False, unique=True),
    Column("dnd", Boolean, nullable=False),
    Column("forwards", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

#: agents logged in on a phone through xuc (agentLogin), ready or paused
xuc_agent_sessions = Table(
    "xuc_agent_sessions",
    metadata,
    Column("agent_id", Integer, ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True),
    Column("agent_number", String(32), nullable=False),
    Column("phone_number", String(40), nullable=False, unique=True),
    Column("username", String(64)),
    Column("paused", Boolean, nullable=False),
    Column("since", UtcDateTime, nullable=False),
)

#: calls placed through xuc (dial, dialByUsername, dialFromQueue): the call history
xuc_calls = Table(
    "xuc_calls",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("src_username", String(64)),
    Column("src_number", String(40), nullable=False),
    Column("dst_username", String(64)),
    Column("dst_number", String(40), nullable=False),
    Column("start", UtcDateTime, nullable=False),
    Column("end_at", UtcDateTime, nullable=False),
    Column("ring_ms", Integer, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("talk_ms", Integer, nullable=False),
    Column("queue_id", Integer),
    Column("caller_id_name", String(128), nullable=False),
    Column("caller_id_number", String(40), nullable=False),
    Column("variables", JSON, nullable=False),
    Index("ix_xuc_calls_src", "src_username", "start"),
    Index("ix_xuc_calls_dst", "dst_username", "start"),
)

#: xuc events owed to the eventUrl, deleted once delivered; due_at lets a call's later
#: events (established, released) wait for their moment
xuc_events = Table(
    "xuc_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("username", String(64)),
    Column("message", JSON, nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Index("ix_xuc_events_due", "due_at", "id"),
)

#: delivery state of the eventUrl feed: a cursor over callback_events, failures and a lease
xuc_event_feeds = Table(
    "xuc_event_feeds",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("callback_cursor", BigInteger, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime),
    Column("last_error", Text, nullable=False),
    Column("lease_owner", String(128)),
    Column("lease_expires_at", UtcDateTime),
)

# capacity and GMS (migration 0007).

#: the capacity bucket each callback was booked into (ARCHITECTURE.md section 2, capacity);
#: a bucket's use is the count of its bookings whose callback is not cancelled or expired
capacity_bookings = Table(
    "capacity_bookings",
    metadata,
    Column(
        "callback_id", String(36), ForeignKey("callbacks.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("queue_id", Integer, ForeignKey("queues.id", ondelete="CASCADE"), nullable=False),
    Column("bucket_start", UtcDateTime, nullable=False),
    Index("ix_capacity_bookings_bucket", "queue_id", "bucket_start"),
)

# Ameyo (migration 0008).

#: Ameyo sessions from POST /ameyorestapi/session/userLogin; only the session id's hash is kept
ameyo_sessions = Table(
    "ameyo_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("login", String(64), ForeignKey("users.login", ondelete="CASCADE"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_ameyo_sessions_expires_at", "expires_at"),
)

#: failed Ameyo logins per userId (known or not), so that every node limits them alike
ameyo_login_failures = Table(
    "ameyo_login_failures",
    metadata,
    Column("user_id", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime),
)
