"""Callbacks: the only code that creates them or moves their state.

Dialects and telephony reports go through `CallbackService`; a wing that must change a
callback in the same unit of work as rows of its own (XiVO's tickets) uses the unit-of-work
functions of `agent_work` (an agent's take, release, start, close, postpone), `moves` and
`admission` from its own use case. The dispatcher's
moves (claim, settle, sweep) are in services/dispatching.py, fenced by lease tokens.
"""

from __future__ import annotations

from ringback.services.callbacks.admission import BatchRefused, NewCallback, Refusal
from ringback.services.callbacks.service import (
    MAX_PAGE,
    CallbackService,
    CallbackView,
    Outcome,
)

__all__ = [
    "MAX_PAGE",
    "BatchRefused",
    "CallbackService",
    "CallbackView",
    "NewCallback",
    "Outcome",
    "Refusal",
]
