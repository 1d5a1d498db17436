"""What the engine needs from the outside world, in one place: every port, as a Protocol.

environment: the clock and the password hasher; store: units of work and their repositories;
telephony: the ACD or dialer callbacks are handed to; phones: xuc 1.0's phone control; feeds: a
dialect's own event stream. bootstrap injects the implementations; tests use the same ones on
an in-memory database (ringback.testing). Nothing here knows SQL or HTTP.
"""

from __future__ import annotations

from ringback.services.ports.environment import (
    Clock,
    PasswordHasher,
)
from ringback.services.ports.feeds import (
    Batch,
    EventFeed,
)
from ringback.services.ports.phones import (
    CallPlan,
    CallRequest,
    Forward,
    ForwardKind,
    PhoneControl,
)
from ringback.services.ports.store import (
    AgentRepository,
    CallbackQuery,
    CallbackRepository,
    DialectSettingsRepository,
    EventLog,
    Page,
    QualificationRepository,
    QueueRepository,
    SecretRepository,
    Store,
    StoredDialectSettings,
    StoredToken,
    Transaction,
    UserRepository,
    WebhookRepository,
)
from ringback.services.ports.telephony import (
    Delivery,
    DeliveryStatus,
    QueueStats,
    Telephony,
)

__all__ = [
    "AgentRepository",
    "Batch",
    "CallPlan",
    "CallRequest",
    "CallbackQuery",
    "CallbackRepository",
    "Clock",
    "Delivery",
    "DeliveryStatus",
    "DialectSettingsRepository",
    "EventFeed",
    "EventLog",
    "Forward",
    "ForwardKind",
    "Page",
    "PasswordHasher",
    "PhoneControl",
    "QualificationRepository",
    "QueueRepository",
    "QueueStats",
    "SecretRepository",
    "Store",
    "StoredDialectSettings",
    "StoredToken",
    "Telephony",
    "Transaction",
    "UserRepository",
    "WebhookRepository",
]
