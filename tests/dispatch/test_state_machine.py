"""Random sequences of dispatcher, telephony and client actions against a model (R13).

The machine drives the core directly (no loop, no threads): create, cancel, advance the
clock, claim, settle a claim with a drawn answer, renew, release, crash (forget the claims held),
sweep, record an outcome. After every step the stored callbacks must equal the model's, and the
invariants hold: terminal states absorb, attempts stay within max_attempts, a cancelled callback
is never claimed again, and a dial key is only sent again after a rescue, a release or an
ambiguous failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from ringback.domain import errors
from ringback.domain.states import TERMINAL_STATES, Reason, State
from ringback.services.callbacks import CallbackService, NewCallback, Outcome
from ringback.services.dispatching import Claim
from ringback.services.ports import Delivery, DeliveryStatus
from ringback.testing import FakeClock, memory_core
from tests.dispatch.support import SERVICE, add_queue, dispatch_service, number

MAX_ATTEMPTS = 2
DELAY = timedelta(seconds=60)
TTL = timedelta(seconds=1800)
LEASE = timedelta(seconds=30)
OFFER_TIMEOUT = timedelta(seconds=300)
MAX_CALLBACKS = 8

ANSWERS = {
    "accepted": Delivery(DeliveryStatus.ACCEPTED),
    "503": Delivery(DeliveryStatus.TRANSIENT, "HTTP 503"),
    "timeout": Delivery(DeliveryStatus.TRANSIENT, "timed out", ambiguous=True),
    "400": Delivery(DeliveryStatus.PERMANENT, "HTTP 400"),
}
CANCELLABLE = (State.SCHEDULED, State.WAITING, State.OFFERED)
REPORTABLE = (State.DISPATCHING, State.OFFERED)


@dataclass
class Expected:
    """What the model says about one callback."""

    state: State
    next_at: datetime
    expires_at: datetime
    attempts: int = 0
    slot: int = 0
    token: str | None = None
    lease_until: datetime | None = None
    reason: Reason | None = None
    #: the current key may be sent again (after a rescue, a release, an ambiguous failure)
    may_resend: bool = False
    last_claimed_slot: int | None = None


class DispatchMachine(RuleBasedStateMachine):
    """The dispatcher's service, a client and a telephony side, against a model."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.core = memory_core(self.clock)
        self.queue = add_queue(
            self.core,
            1,
            max_attempts=MAX_ATTEMPTS,
            retry_delay_seconds=int(DELAY.total_seconds()),
            ttl_seconds=int(TTL.total_seconds()),
            missed_grace_seconds=120,
        )
        self.service = dispatch_service(
            self.core,
            self.clock,
            lease_seconds=LEASE.total_seconds(),
            offer_timeout_seconds=OFFER_TIMEOUT.total_seconds(),
        )
        self.client = CallbackService(self.core.store, self.clock, spread=lambda: 0.5)
        self.model: dict[UUID, Expected] = {}
        self.order: list[UUID] = []
        self.held: list[Claim] = []
        self.seen_terminal: dict[UUID, State] = {}
        self.history_length: dict[UUID, int] = {}

    # -- helpers ---------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.clock.now()

    def pick(self, index: int) -> UUID:
        return self.order[index % len(self.order)]

    def failed_attempt(self, expected: Expected, reason: Reason, *, new_key: bool) -> None:
        """Apply the retry policy to a failed attempt, as the model sees it."""
        expected.attempts += 1
        expected.token = expected.lease_until = None
        if expected.attempts >= MAX_ATTEMPTS:
            expected.state, expected.reason = State.FAILED, Reason.MAX_ATTEMPTS
            event("max attempts reached")
            return
        expected.state, expected.reason = State.WAITING, reason
        expected.next_at = self.now + DELAY
        if new_key:
            expected.slot += 1
        else:
            expected.may_resend = True

    # -- rules -----------------------------------------------------------------------------

    @initialize()
    def some_callbacks(self) -> None:
        for later in (None, None, None, 30):
            self.create(later)

    @precondition(lambda self: len(self.order) < MAX_CALLBACKS)
    @rule(later=st.sampled_from([None, 30, 200, 900]))
    def create(self, later: int | None) -> None:
        desired = None if later is None else self.now + timedelta(seconds=later)
        callback = self.core.callbacks.create(
            SERVICE,
            NewCallback(queue_id=1, phone_number=number(len(self.order)), desired_time=desired),
        )
        start = desired or self.now
        state = State.SCHEDULED if desired else State.WAITING
        self.model[callback.id] = Expected(state, next_at=start, expires_at=start + TTL)
        self.order.append(callback.id)

    @precondition(lambda self: self.order)
    @rule(index=st.integers(0, 100))
    def cancel(self, index: int) -> None:
        callback_id = self.pick(index)
        expected = self.model[callback_id]
        if expected.state not in CANCELLABLE:
            with pytest.raises(errors.Conflict):
                self.core.callbacks.cancel(SERVICE, callback_id)
            return
        self.core.callbacks.cancel(SERVICE, callback_id)
        expected.state, expected.reason = State.CANCELLED, Reason.CANCELLED
        expected.token = expected.lease_until = None

    @rule(seconds=st.sampled_from([5, 31, 61, 301]))
    def advance(self, seconds: int) -> None:
        self.clock.advance(seconds=seconds)

    @rule()
    def wait_for_the_next_deadline(self) -> None:
        """Let time run until the next thing falls due: a retry, an offer, a lease, a TTL."""
        deadlines = [
            moment
            for expected in self.model.values()
            if expected.state not in TERMINAL_STATES
            for moment in (
                expected.next_at,
                expected.expires_at + timedelta(seconds=1),
                expected.lease_until + timedelta(seconds=1) if expected.lease_until else None,
            )
            if moment is not None and moment > self.now
        ]
        if deadlines:
            self.clock.set(min(deadlines))

    @rule()
    def claim(self) -> None:
        claims = self.service.claim(owner="w", queues=[self.queue], limit=100)
        # ids are random: keep the held claims in creation order, so that a run replays
        claims.sort(key=lambda claim: self.order.index(claim.callback.id))
        due = {
            callback_id
            for callback_id, expected in self.model.items()
            if expected.state is State.WAITING and expected.next_at <= self.now
        }
        assert {claim.callback.id for claim in claims} == due
        for claim in claims:
            expected = self.model[claim.callback.id]
            assert expected.state is not State.CANCELLED
            assert claim.callback.slot == expected.slot
            if expected.last_claimed_slot is not None:
                assert claim.callback.slot >= expected.last_claimed_slot, "a key went back"
                if claim.callback.slot == expected.last_claimed_slot:
                    assert expected.may_resend, f"{claim.dial_key} claimed twice"
                    event("same key claimed again")
            expected.state = State.DISPATCHING
            expected.token, expected.lease_until = claim.token, self.now + LEASE
            expected.last_claimed_slot, expected.may_resend = expected.slot, False
        self.held.extend(claims)

    @rule(answer=st.sampled_from(sorted(ANSWERS)))
    def claim_and_deliver(self, answer: str) -> None:
        """One round of the loop: claim what is due, telephony answers the same to all."""
        self.claim()
        while self.held:
            self.settle(len(self.held) - 1, answer)

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 100), answer=st.sampled_from(sorted(ANSWERS)))
    def settle(self, index: int, answer: str) -> None:
        claim = self.held.pop(index % len(self.held))
        expected = self.model[claim.callback.id]
        settled = self.service.settle(claim, ANSWERS[answer])
        if expected.token != claim.token:
            assert settled is None, "a stale claim changed a callback"
            event("stale claim settled: ignored")
            return
        assert settled is not None
        if answer == "accepted":
            expected.state, expected.next_at = State.OFFERED, self.now + OFFER_TIMEOUT
            expected.token = expected.lease_until = None
        elif answer == "400":
            expected.attempts += 1
            expected.state, expected.reason = State.FAILED, Reason.FAILED
            expected.token = expected.lease_until = None
        elif answer == "503":
            self.failed_attempt(expected, Reason.FAILED, new_key=True)
        else:
            self.failed_attempt(expected, Reason.TIMEOUT, new_key=False)

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 100))
    def renew(self, index: int) -> None:
        token = self.held[index % len(self.held)].token
        holding = [e for e in self.model.values() if e.token == token]
        assert self.service.renew(token) == len(holding)
        for expected in holding:
            expected.lease_until = self.now + LEASE

    @precondition(lambda self: self.held)
    @rule(index=st.integers(0, 100))
    def release(self, index: int) -> None:
        claim = self.held.pop(index % len(self.held))
        expected = self.model[claim.callback.id]
        released = self.service.release(claim)
        assert released == (expected.token == claim.token)
        if released:
            expected.state, expected.next_at = State.WAITING, self.now
            expected.token = expected.lease_until = None
            expected.may_resend = True

    @precondition(lambda self: self.held)
    @rule()
    def crash(self) -> None:
        self.held.clear()  # the dispatcher died: its leases will run out

    @rule()
    def sweep(self) -> None:
        report = self.service.sweep()
        now = self.now
        rescued = expired = promoted = timed_out = 0
        for expected in self.model.values():
            if expected.state is State.DISPATCHING:
                assert expected.lease_until is not None
                if expected.lease_until < now:
                    expected.state, expected.next_at = State.WAITING, now
                    expected.token = expected.lease_until = None
                    expected.may_resend = True
                    rescued += 1
        for expected in self.model.values():
            if expected.state in (State.SCHEDULED, State.WAITING) and expected.expires_at < now:
                expected.state, expected.reason = State.EXPIRED, Reason.TTL
                expired += 1
        for expected in self.model.values():
            if expected.state is State.SCHEDULED and expected.next_at <= now:
                expected.state = State.WAITING  # due, or missed and retried now
                promoted += 1
        for expected in self.model.values():
            if expected.state is State.OFFERED and expected.next_at <= now:
                self.failed_attempt(expected, Reason.TIMEOUT, new_key=True)
                timed_out += 1
                event("sweep: offer timed out")
        assert (report.rescued, report.expired, report.offers_timed_out) == (
            rescued,
            expired,
            timed_out,
        )
        assert report.promoted + report.missed == promoted
        for kind, count in (("rescued", rescued), ("expired", expired)):
            if count:
                event(f"sweep: {kind}")

    @precondition(lambda self: any(e.state in REPORTABLE for e in self.model.values()))
    @rule(index=st.integers(0, 100), outcome=st.sampled_from(list(Outcome)), stale=st.booleans())
    def outcome(self, index: int, outcome: Outcome, stale: bool) -> None:
        reportable = [i for i in self.order if self.model[i].state in REPORTABLE]
        callback_id = reportable[index % len(reportable)]
        expected = self.model[callback_id]
        if stale:
            key = f"{callback_id}:{expected.slot + 1}"
            with pytest.raises(errors.Conflict):
                self.client.record_outcome(SERVICE, callback_id, dial_key=key, outcome=outcome)
            return
        key = f"{callback_id}:{expected.slot}"
        self.client.record_outcome(SERVICE, callback_id, dial_key=key, outcome=outcome)
        if outcome is Outcome.COMPLETED:
            expected.attempts += 1
            expected.state, expected.reason = State.COMPLETED, Reason.COMPLETED
            expected.token = expected.lease_until = None
        elif outcome is Outcome.INVALID_NUMBER:
            expected.attempts += 1
            expected.state, expected.reason = State.FAILED, Reason.INVALID_NUMBER
            expected.token = expected.lease_until = None
        else:
            self.failed_attempt(expected, Reason(outcome.value), new_key=True)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def stored_callbacks_match_the_model(self) -> None:
        for callback_id, expected in self.model.items():
            view = self.core.callbacks.get(SERVICE, callback_id)
            callback = view.callback
            token = callback.lease.token if callback.lease else None
            assert (callback.state, callback.attempts, callback.slot, token) == (
                expected.state,
                expected.attempts,
                expected.slot,
                expected.token,
            ), f"{callback_id}: stored differs from the model {expected}"
            if callback.state in TERMINAL_STATES:
                assert callback.reason is expected.reason
                assert callback.completed_at is not None
                assert self.seen_terminal.setdefault(callback_id, callback.state) is callback.state
            else:
                assert callback_id not in self.seen_terminal, "a terminal state did not absorb"
            if callback.state is State.DISPATCHING:
                assert callback.lease is not None
                assert callback.lease.expires_at == expected.lease_until
            assert callback.attempts <= MAX_ATTEMPTS
            assert view.history[-1].to_state is callback.state, "a change was not logged"
            assert len(view.history) >= self.history_length.get(callback_id, 0)
            self.history_length[callback_id] = len(view.history)

    @invariant()
    def nothing_cancelled_is_held(self) -> None:
        for claim in self.held:
            if self.model[claim.callback.id].state is State.CANCELLED:
                assert self.model[claim.callback.id].token is None


DispatchMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_dispatch_state_machine = DispatchMachine.TestCase
