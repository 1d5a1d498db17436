"""Use cases of the UCCX Callback Server dialect, on the same engine as every other dialect.

A UCCX script reports progress with four statuses (REQUESTED, QUEUED, AGENTACKNOWLEDGED,
DIALINGTARGET) and, in ringback, outcomes too (COMPLETED, AGENTABANDONED, IVR_FAILURE, RETRY).
The exact word reported is kept in `Callback.telephony_status` so that REQUESTED and QUEUED,
both `offered` in ringback, read back as reported.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from ringback.domain import errors
from ringback.domain.callbacks import Callback, UccxFields
from ringback.domain.numbers import NumberPolicy, normalize_number
from ringback.domain.people import Principal
from ringback.domain.queues import Queue
from ringback.domain.states import OPEN_STATES, Event, State, uccx_status
from ringback.services import access, uccx_settings
from ringback.services.callbacks import MAX_PAGE, CallbackService, NewCallback, Outcome
from ringback.services.ports import CallbackQuery, Clock, Store, Transaction
from ringback.services.queues import queue_named
from ringback.services.throttle import LoginLimits, LoginThrottle
from ringback.services.uccx_settings import CsqSettings, UccxConnection, UccxSettings
from ringback.services.users import UserService

OFFER_WORDS = frozenset({"REQUESTED", "QUEUED"})
PROGRESS: dict[str, Event] = {
    "REQUESTED": Event.OFFER,
    "QUEUED": Event.OFFER,
    "AGENTACKNOWLEDGED": Event.RESERVE,
    "DIALINGTARGET": Event.DIAL,
}
OUTCOMES: dict[str, Outcome] = {
    "COMPLETED": Outcome.COMPLETED,
    "AGENTABANDONED": Outcome.AGENT_ABANDONED,
    "IVR_FAILURE": Outcome.IVR_FAILURE,
    "RETRY": Outcome.FAILED,
}
#: statuses only the server's own engine sets
SERVER_ONLY = frozenset({"NEW", "INVALID", "INACTIVE", "PROCESSING", "EXCEEDEDNUMBEROFATTEMPTS"})
#: the document's own example answers "updated to status DIALING"; accepted, never emitted
STATUS_SLIPS = {"DIALING": "DIALINGTARGET"}
#: open statuses getrecords can filter on, and the states that may show them
OPEN_STATUS_STATES: dict[str, tuple[State, ...]] = {
    "NEW": (State.SCHEDULED, State.WAITING),
    "RETRY": (State.WAITING,),
    "PROCESSING": (State.DISPATCHING,),
    "REQUESTED": (State.OFFERED,),
    "QUEUED": (State.OFFERED,),
    "AGENTACKNOWLEDGED": (State.RESERVED,),
    "DIALINGTARGET": (State.DIALING,),
}


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


def status_word(callback: Callback) -> str:
    """Return the UCCX status of a callback, as its script last reported it where it may."""
    if callback.state is State.OFFERED and callback.telephony_status in OFFER_WORDS:
        return callback.telephony_status
    return uccx_status(callback.state, callback.reason, callback.attempts)


def normalize_status(raw: str) -> str:
    """Return the canonical status word for `raw` (case-insensitive, slips accepted)."""
    word = raw.strip().upper()
    return STATUS_SLIPS.get(word, word)


class UccxService:
    """The UCCX Callback Server's operations."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        callbacks: CallbackService,
        users: UserService,
        *,
        offer_timeout_seconds: float = 3600.0,
    ) -> None:
        self._store = store
        self._clock = clock
        self._callbacks = callbacks
        self._users = users
        self._offer_timeout = timedelta(seconds=offer_timeout_seconds)
        self.started_at = clock.now()
        # authenticateuser needs no credentials of its own: unthrottled, it would let anyone
        # try passwords as fast as the server answers.
        self._throttle = LoginThrottle(clock, LoginLimits())

    def add_record(self, actor: Principal, new: UccxRecord) -> Callback:
        """Create a callback in the CSQ `target_csq`, keeping the caller's queue start time."""
        if not new.external_id:
            raise errors.Invalid("id is required", field="id")
        with self._store.transaction() as tx:
            queue = _csq_in_sight(tx, actor, new.target_csq)
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
            return self._outcome(actor, callback, word, agent_id)
        return self._progress(actor, callback.id, word, agent_id)

    def _progress(self, actor: Principal, callback_id: UUID, word: str, agent_id: str) -> Callback:
        return self._callbacks.report_progress(
            actor, callback_id, PROGRESS[word], telephony_status=word,
            log_as=f"uccx:{word.lower()}", status=word, agentid=agent_id,
        )  # fmt: skip

    def _outcome(self, actor: Principal, callback: Callback, word: str, agent_id: str) -> Callback:
        return self._callbacks.record_outcome(
            actor, callback.id, dial_key=callback.dial_key, outcome=OUTCOMES[word],
            detail=f"UCCX {word}, agentid {agent_id}", telephony_status=word,
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
        with self._store.transaction() as tx:
            names = {queue.id: queue.name for queue in tx.queues.all()}
            queue_ids = [_csq_in_sight(tx, actor, csq).id] if csq else None
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
        with self._store.transaction() as tx:
            candidates = {dnis}
            for queue in tx.queues.all():
                if actor.may_see_queue(queue.id):
                    candidates.add(_as_stored(dnis, queue.numbers))
            if actor.visible_queue_ids() is None:
                return tx.callbacks.count_open_with_numbers(sorted(candidates)) > 0
        # A supervisor must not learn that a number waits in another team's queue.
        return any(self._open_in_sight(actor, number) for number in sorted(candidates))

    def _open_in_sight(self, actor: Principal, number: str) -> bool:
        query = CallbackQuery(states=tuple(OPEN_STATES), customer_number=number, limit=1)
        return self._callbacks.find(actor, query).total > 0

    def server_status(self, actor: Principal) -> ServerStatus:
        """Return the open callbacks the actor may see, the clocks, and the UCCX master node."""
        with self._store.transaction() as tx:
            counts = tx.callbacks.counts_by_state()
            connection, updated_at = uccx_settings.load_connection(tx)
        open_values = {state.value for state in OPEN_STATES}
        open_count = sum(
            n
            for (queue_id, state), n in counts.items()
            if state in open_values and actor.may_see_queue(queue_id)
        )
        return ServerStatus(
            open_callbacks=open_count, system_time=self._clock.now(), started_at=self.started_at,
            settings_updated_at=updated_at or self.started_at,
            master_node=connection.master_node,
        )  # fmt: skip

    def csq_status(self, actor: Principal, csq: str) -> CsqStatus:
        """Tell whether a CSQ accepts callbacks now: enabled, open, its current bucket not full."""
        if not csq:
            raise errors.Invalid("csq is required", field="csq")
        with self._store.transaction() as tx:
            queue = _csq_in_sight(tx, actor, csq)
            _, updated_at = uccx_settings.load_connection(tx)
        now = self._clock.now()
        accepting = (
            queue.settings.accepting_callbacks
            and queue.hours.is_open(now)
            and self._callbacks.has_room(queue.id, now)  # the current capacity bucket is not full
        )
        return CsqStatus(accepting, updated_at or self.started_at)

    def position_offset(self, actor: Principal, contact_id: str, csq: str) -> int:
        """Count the waiting callbacks of the CSQ that entered the queue before this contact."""
        if not contact_id or not csq:
            raise errors.Invalid("contactid and targetcsq are required", field="contactid")
        with self._store.transaction() as tx:
            queue = _csq_in_sight(tx, actor, csq)
            open_ones = tx.callbacks.open_in_queue(queue.id)
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
        with self._store.transaction() as tx:
            return [q.name for q in tx.queues.all() if actor.may_see_queue(q.id)]

    def connection(self) -> UccxConnection | None:
        """Return the stored UCCX connection, None before setsettings ever stored one."""
        with self._store.transaction(read_only=True) as tx:
            found, updated_at = uccx_settings.load_connection(tx)
        return found if updated_at is not None else None

    def get_settings(self, actor: Principal) -> UccxSettings:
        """Return the UCCX connection and every CSQ's settings (admins only)."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            connection, updated_at = uccx_settings.load_connection(tx)
            return UccxSettings(connection, tx.queues.all(), updated_at)

    def set_settings(
        self, actor: Principal, csqs: list[CsqSettings] | None, connection: UccxConnection | None
    ) -> None:
        """Replace the given CSQs and the connection, all or nothing (admins only)."""
        access.require_admin(actor)
        with self._store.transaction() as tx:
            planned = uccx_settings.planned_queues(tx, csqs or [])
            current, _ = uccx_settings.load_connection(tx)
            uccx_settings.write_queues(tx, planned)
            uccx_settings.save_connection(tx, connection or current, self._clock.now())

    def _record(self, actor: Principal, external_id: str) -> Callback:
        if not external_id:
            raise errors.Invalid("id is required", field="id")
        with self._store.transaction() as tx:
            callback = _by_external_id(tx, external_id)
        if not actor.may_see_queue(callback.queue_id):
            raise errors.NotFound(f"record with id {external_id} does not exist")
        return callback


def _csq_in_sight(tx: Transaction, actor: Principal, name: str) -> Queue:
    """Return the CSQ called `name`; one outside the actor's rights is unknown, word for word."""
    queue = queue_named(tx, name)
    if not actor.may_see_queue(queue.id):
        raise errors.NotFound(f"queue {name!r} does not exist")
    return queue


def _by_external_id(tx: Transaction, external_id: str) -> Callback:
    callback = tx.callbacks.get_by_external_id(external_id)
    if callback is None:
        raise errors.NotFound(f"record with id {external_id} does not exist")
    return callback


def _as_stored(number: str, policy: NumberPolicy) -> str:
    """Return `number` as a queue would store it, or unchanged when that queue refuses it."""
    try:
        return normalize_number(number, policy, field="dnis")
    except errors.Invalid:
        return number


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
