"""What only the UCCX Callback Server does, on the same engine as every other dialect.

A UCCX script reports progress with four statuses (REQUESTED, QUEUED, AGENTACKNOWLEDGED,
DIALINGTARGET) and, in ringback, outcomes too (COMPLETED, AGENTABANDONED, IVR_FAILURE, RETRY).
The exact word reported is kept in `Callback.telephony_status` so that REQUESTED and QUEUED,
both `offered` in ringback, read back as reported.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from ringback.dialects.uccx.csq_settings import UccxSettingsService
from ringback.dialects.uccx.wire import (
    OPEN_STATUS_STATES,
    OUTCOMES,
    PROGRESS,
    SERVER_ONLY,
    normalize_status,
    status_word,
)
from ringback.domain import errors
from ringback.domain.callbacks import Callback, UccxFields
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import OPEN_STATES, State
from ringback.services.callbacks import MAX_PAGE, CallbackService, NewCallback
from ringback.services.ports import CallbackQuery, Clock
from ringback.services.queues import QueueService
from ringback.services.throttle import LoginLimits, LoginThrottle
from ringback.services.users import UserService


@dataclass(frozen=True, slots=True, kw_only=True)
class UccxRecord:
    """What addrecord carries."""

    external_id: str
    dnis: str
    target_csq: str
    origin_csq: str = ""
    prompt: str = ""
    session_id: str = ""
    impl_id: str = ""
    contact_id: str = ""
    queue_start_time: datetime | None = None
    language: str = ""
    custom_vars: tuple[str, ...] = ("", "", "", "", "")


@dataclass(frozen=True, slots=True)
class RecordView:
    """A callback as getrecords shows it: with its CSQ name and UCCX status word."""

    callback: Callback
    csq: str
    status: str


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """What checkserverstatus shows."""

    open_callbacks: int
    system_time: datetime
    started_at: datetime
    settings_updated_at: datetime
    master_node: str


@dataclass(frozen=True, slots=True)
class CsqStatus:
    """What checkcsqstatus shows."""

    accepting: bool
    settings_updated_at: datetime


class UccxService:
    """The UCCX Callback Server's operations."""

    def __init__(
        self,
        clock: Clock,
        queues: QueueService,
        callbacks: CallbackService,
        users: UserService,
        settings: UccxSettingsService,
    ) -> None:
        self._clock = clock
        self._queues = queues
        self._callbacks = callbacks
        self._users = users
        self.settings = settings
        self.started_at = clock.now()
        # authenticateuser needs no credentials of its own: unthrottled, it would let anyone
        # try passwords as fast as the server answers.
        self._throttle = LoginThrottle(clock, LoginLimits())

    def add_record(self, actor: Principal, new: UccxRecord) -> Callback:
        """Create a callback in the CSQ `target_csq`, keeping the caller's queue start time."""
        if not new.external_id:
            raise errors.Invalid("id is required", field="id")
        queue = self._queues.find_by_name(actor, new.target_csq)
        fields = UccxFields(
            dnis=new.dnis, origin_csq=new.origin_csq, session_id=new.session_id,
            impl_id=new.impl_id, contact_id=new.contact_id, custom_vars=new.custom_vars,
        )  # fmt: skip
        request = NewCallback(
            queue_id=queue.id, phone_number=new.dnis, external_id=new.external_id,
            language=new.language, prompt=new.prompt, queue_start_time=new.queue_start_time,
            uccx=fields,
        )  # fmt: skip
        return self._callbacks.create(actor, request)

    def update_status(
        self, actor: Principal, external_id: str, raw_status: str, agent_id: str = ""
    ) -> Callback:
        """Move a record as its UCCX script reports; return it as stored."""
        if not raw_status:
            raise errors.Invalid("status is required", field="status")
        word = normalize_status(raw_status)
        if word in SERVER_ONLY:
            raise errors.Invalid(f"status {word} is set by the server, not by updaterecord")
        if word not in PROGRESS and word not in OUTCOMES:
            raise errors.Invalid(f"unknown status {raw_status!r}", field="status")
        callback = self._record(actor, external_id)
        if word in OUTCOMES:
            return self._callbacks.record_outcome(
                actor, callback.id, dial_key=callback.dial_key, outcome=OUTCOMES[word],
                detail=f"UCCX {word}, agentid {agent_id}", telephony_status=word,
            )  # fmt: skip
        return self._callbacks.report_progress(
            actor, callback.id, PROGRESS[word], telephony_status=word,
            log_as=f"uccx:{word.lower()}", status=word, agentid=agent_id,
        )  # fmt: skip

    def remove(self, actor: Principal, external_id: str) -> Callback:
        """Cancel the record with this id."""
        return self._callbacks.cancel(actor, self._record(actor, external_id).id)

    def records(
        self, actor: Principal, *, csq: str | None = None, status: str | None = None,
        offset: int = 0, limit: int = MAX_PAGE,
    ) -> list[RecordView]:  # fmt: skip
        """Return the open records the actor may see, newest first, optionally filtered."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise errors.Invalid(f"limit must be 1 to {MAX_PAGE} and offset >= 0", field="limit")
        word = normalize_status(status) if status else None
        if word is not None and word not in OPEN_STATUS_STATES:
            raise errors.Invalid(f"status {status!r} is not the status of an open record")
        names = {queue.id: queue.name for queue in self._queues.list(actor)}
        queue_ids = [self._queues.find_by_name(actor, csq).id] if csq else None
        states = OPEN_STATUS_STATES[word] if word else tuple(OPEN_STATES)
        if word is None:
            query = CallbackQuery(queue_ids=queue_ids, states=states, offset=offset, limit=limit)
            page = self._callbacks.find(actor, query).items
            return [RecordView(c, names[c.queue_id], status_word(c)) for c in page]
        # A status word may be narrower than its states (NEW vs RETRY): refine, then page.
        query = CallbackQuery(queue_ids=queue_ids, states=states, limit=MAX_PAGE)
        views = [
            RecordView(c, names[c.queue_id], status_word(c))
            for c in self._callbacks.find(actor, query).items
        ]
        return [v for v in views if v.status == word][offset : offset + limit]

    def dnis_in_use(self, actor: Principal, dnis: str) -> bool:
        """Tell whether an open callback exists for this number, in a queue the actor may see."""
        if not dnis:
            raise errors.Invalid("dnis is required", field="dnis")
        return self._callbacks.has_open_for_number(actor, dnis)

    def server_status(self, actor: Principal) -> ServerStatus:
        """Return the open callbacks the actor may see, the clocks, and the UCCX master node."""
        counts = self._callbacks.counts_by_state()
        open_values = {state.value for state in OPEN_STATES}
        open_count = sum(
            n
            for (queue_id, state), n in counts.items()
            if state in open_values and actor.may_see_queue(queue_id)
        )
        connection = self.settings.connection()
        return ServerStatus(
            open_callbacks=open_count, system_time=self._clock.now(), started_at=self.started_at,
            settings_updated_at=self.settings.last_update() or self.started_at,
            master_node=connection.master_node if connection else "",
        )  # fmt: skip

    def csq_status(self, actor: Principal, csq: str) -> CsqStatus:
        """Tell whether a CSQ accepts callbacks now: enabled, open, its current bucket not full."""
        if not csq:
            raise errors.Invalid("csq is required", field="csq")
        queue = self._queues.find_by_name(actor, csq)
        accepting = self._callbacks.accepts_now(queue.id)
        return CsqStatus(accepting, self.settings.last_update() or self.started_at)

    def position_offset(self, actor: Principal, contact_id: str, csq: str) -> int:
        """Count the waiting callbacks of the CSQ that entered the queue before this contact."""
        if not contact_id or not csq:
            raise errors.Invalid("contactid and targetcsq are required", field="contactid")
        queue: Queue = self._queues.find_by_name(actor, csq)
        open_ones = self._callbacks.open_in_queue(actor, queue.id)
        contact = next((c for c in open_ones if c.uccx.contact_id == contact_id), None)
        if contact is None or contact.queue_start_time is None:
            raise errors.NotFound(f"no open record with contactid {contact_id} in CSQ {csq}")
        started = contact.queue_start_time
        return sum(
            1 for c in open_ones
            if c.state is State.WAITING and c.queue_start_time and c.queue_start_time < started
        )  # fmt: skip

    def authenticate(self, token: str, address: str = "") -> bool:
        """Tell whether base64(`user:password`) names a ringback user with that password.

        Failures are counted per login and per client `address`, as xuc logins are; over the
        limit the check is refused, even with the right password, until the window passes.
        """
        login, password = _credentials(token)
        self._throttle.check(login, address)
        try:
            self._users.authenticate(login, password)
        except errors.Unauthenticated:
            self._throttle.failed(login, address)
            return False
        self._throttle.succeeded(login)
        return True

    def csq_names(self, actor: Principal) -> list[str]:
        """Return the names of the CSQs the actor may see."""
        return [queue.name for queue in self._queues.list(actor)]

    def _record(self, actor: Principal, external_id: str) -> Callback:
        if not external_id:
            raise errors.Invalid("id is required", field="id")
        try:
            return self._callbacks.get_by_external_id(actor, external_id)
        except errors.NotFound as exc:
            raise errors.NotFound(f"record with id {external_id} does not exist") from exc


def _credentials(token: str) -> tuple[str, str]:
    """Decode base64(`user:password`), refusing anything else."""
    if not token:
        raise errors.Invalid("token is required", field="token")
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as exc:
        raise errors.Invalid("token is not base64 of user:password", field="token") from exc
    login, colon, password = text.partition(":")
    if not colon or not login:
        raise errors.Invalid("token is not base64 of user:password", field="token")
    return login, password
