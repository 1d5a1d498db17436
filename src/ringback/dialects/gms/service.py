"""The Genesys GMS Callback Services' use cases: start, cancel, reschedule, query, availability.

A GMS callback service is a queue, named by its name or one of its aliases. Every rule (number
policy, business hours, horizon, dedup, capacity) is CallbackService's; this module finds the
service, keeps callbacks inside the service they were asked through, and reads the admin view.
Its errors are the engine's, in the engine's words: errors.py shows them in GMS's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback
from ringback.domain.numbers import normalize_number
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import OPEN_STATES
from ringback.services.callbacks import CallbackService, NewCallback
from ringback.services.ports import CallbackQuery, Clock
from ringback.services.queues import QueueService

#: the GMS default of the admin query: requests due in the next 24 hours
ADMIN_WINDOW = timedelta(hours=24)
#: the most requests Query-Callback lists for one number (a number rarely has more than 2)
QUERY_MAX = 500
OPEN_STATE_LIST = sorted(OPEN_STATES)
MAX_PROPERTIES = 100
MAX_PROPERTY_KEY = 128
MAX_PROPERTY_TEXT = 4096


@dataclass(frozen=True, slots=True)
class Started:
    """A started callback, and whether it was asked for now (no desired time)."""

    callback: Callback
    immediate: bool


class GmsService:
    """The GMS callback API over the callback engine."""

    def __init__(self, clock: Clock, queues: QueueService, callbacks: CallbackService) -> None:
        self._clock = clock
        self._queues = queues
        self._callbacks = callbacks

    def start(
        self,
        actor: Principal,
        service: str,
        number: str,
        desired_time: datetime | None,
        properties: dict[str, Any],
    ) -> Started:
        """Start-Callback: book a callback in the service (now, or at the desired time)."""
        queue = self._service(actor, service)
        _check_properties(properties)
        desired_time = self._future_or_none(desired_time)
        request = NewCallback(
            queue_id=queue.id, phone_number=number, desired_time=desired_time,
            properties=dict(properties),
        )  # fmt: skip
        try:
            callback = self._callbacks.create(actor, request)
        except errors.CapacityFull as exc:
            if desired_time is None:  # GMS names the instant of an immediate request
                exc.details["asked_at"] = self._clock.now()
            raise
        return Started(callback, immediate=desired_time is None)

    def cancel(self, actor: Principal, service: str, request_id: str) -> Callback:
        """Cancel-Callback: cancel a request of the service that is not being processed."""
        callback = self._request(actor, service, request_id)
        try:
            return self._callbacks.cancel(actor, callback.id)
        except errors.IllegalTransition as exc:
            raise _not_pending(exc, request_id) from exc

    def reschedule(
        self, actor: Principal, service: str, request_id: str, desired_time: datetime
    ) -> Callback:
        """Reschedule-Callback: move a request not yet started to a new desired time."""
        callback = self._request(actor, service, request_id)
        try:
            return self._callbacks.reschedule(
                actor, callback.id, self._future_or_none(desired_time)
            )
        except errors.IllegalTransition as exc:
            raise _not_pending(exc, request_id) from exc

    def outstanding(self, actor: Principal, service: str, number: str) -> list[Callback]:
        """Query-Callback: the open requests of one number in the service, soonest first."""
        queue = self._service(actor, service)
        normalized = normalize_number(number, queue.numbers)
        # Filtered in the database: a busy service holds far more requests than one number does.
        query = CallbackQuery(
            queue_ids=[queue.id], states=OPEN_STATE_LIST, customer_number=normalized,
            limit=QUERY_MAX,
        )  # fmt: skip
        found = self._callbacks.find(actor, query).items
        return sorted(found, key=lambda c: c.desired_time or c.next_action_at or c.created_at)

    def availability(
        self, actor: Principal, service: str, at: datetime | None
    ) -> dict[datetime, int]:
        """Query-Availability: open buckets around `at` (default now) with their room left."""
        queue = self._service(actor, service)
        return self._callbacks.availability(actor, queue.id, at or self._clock.now())

    def queued(
        self, actor: Principal, target: str | None, end_time: datetime | None, limit: int
    ) -> dict[str, list[Callback]]:
        """ADMIN Query-Callback: per service, the open requests due before `end_time`."""
        end = end_time or self._clock.now() + ADMIN_WINDOW
        queues = [self._service(actor, target)] if target else self._queues.list(actor)
        return {q.name: self._callbacks.open_due_before(actor, q.id, end, limit) for q in queues}

    def _future_or_none(self, desired_time: datetime | None) -> datetime | None:
        """A desired time already past asks for now, as GMS does: the request is immediate
        (answered with the ConfirmationDialog) and keeps no desired time."""
        if desired_time is None or desired_time > self._clock.now():
            return desired_time
        return None

    def _service(self, actor: Principal, name: str) -> Queue:
        # One outside the actor's rights is answered exactly as an unknown one.
        return self._queues.find_by_name(actor, name)

    def _request(self, actor: Principal, service: str, request_id: str) -> Callback:
        """Return the request `request_id` of the service, or NotFound."""
        queue = self._service(actor, service)
        missing = errors.NotFound(
            f"no request {request_id!r} in {service!r}", request_id=request_id
        )
        try:
            callback = self._callbacks.get(actor, UUID(request_id)).callback
        except (ValueError, errors.NotFound):
            raise missing from None
        if callback.queue_id != queue.id:
            raise missing
        return callback


def _not_pending(exc: errors.IllegalTransition, request_id: str) -> errors.IllegalTransition:
    """The request is no longer in the scheduling queue: GMS answers "No such request"."""
    return errors.IllegalTransition(exc.message, request_id=request_id, **exc.details)


def _check_properties(properties: dict[str, Any]) -> None:
    """Refuse attached data that is too big or not flat key/values."""
    if len(properties) > MAX_PROPERTIES:
        raise errors.Invalid(f"at most {MAX_PROPERTIES} properties may be attached")
    for key, value in properties.items():
        if not key or len(key) > MAX_PROPERTY_KEY:
            raise errors.Invalid(f"property names are 1 to {MAX_PROPERTY_KEY} characters")
        if value is not None and not isinstance(value, str | int | float | bool):
            raise errors.Invalid(f"property {key} must be a string, a number or a boolean")
        if isinstance(value, str) and len(value) > MAX_PROPERTY_TEXT:
            raise errors.Invalid(f"property {key} is longer than {MAX_PROPERTY_TEXT} characters")
