"""GMS's `_callback_state` and `_callback_reason` of every ringback state (ARCHITECTURE.md §2)."""

from __future__ import annotations

import pytest

from ringback.dialects.gms import wire
from ringback.domain.states import Reason, State

S = State


@pytest.mark.parametrize(
    ("state", "shown"),
    [
        (S.SCHEDULED, "SCHEDULED"),
        (S.WAITING, "QUEUED"),
        (S.DISPATCHING, "QUEUED"),
        (S.OFFERED, "QUEUED"),
        (S.RESERVED, "ROUTING"),
        (S.DIALING, "PROCESSING"),
    ],
    ids=str,
)
def test_gms_state_of_open_states_has_no_reason(state: State, shown: str) -> None:
    assert wire.callback_state(state, None) == (shown, None)
    assert wire.callback_state(state, Reason.NO_ANSWER) == (shown, None)


@pytest.mark.parametrize(
    ("state", "reason", "shown"),
    [
        (S.COMPLETED, Reason.COMPLETED, "AGENT_CONNECTED"),
        (S.COMPLETED, None, "AGENT_CONNECTED"),
        (S.CANCELLED, Reason.CANCELLED, "CANCELLED"),
        (S.EXPIRED, Reason.TTL, "FAIL_TIMEOUT_TTL"),
        (S.EXPIRED, Reason.MISSED, "FAIL_TIMEOUT_TTL"),
        (S.FAILED, Reason.INVALID_NUMBER, "FAIL_NO_CUSTOMER_NUMBER"),
        (S.FAILED, Reason.AGENT_ABANDONED, "FAIL_AGENT_CONNECT"),
        (S.FAILED, Reason.MAX_ATTEMPTS, "FAIL_CALL_TO_CUSTOMER"),
        (S.FAILED, Reason.IVR_FAILURE, "FAIL_ERROR"),
        (S.FAILED, Reason.FAILED, "FAIL_ERROR"),
        (S.FAILED, None, "FAIL_ERROR"),
    ],
    ids=str,
)
def test_gms_terminal_states_are_completed_with_a_reason(
    state: State, reason: Reason | None, shown: str
) -> None:
    assert wire.callback_state(state, reason) == ("COMPLETED", shown)


@pytest.mark.parametrize(
    ("state", "shown"), [(S.CANCELLED, "CANCELLED"), (S.EXPIRED, "FAIL_TIMEOUT_TTL")], ids=str
)
def test_gms_reason_of_cancelled_and_expired_does_not_need_a_stored_reason(
    state: State, shown: str
) -> None:
    assert wire.callback_state(state, None) == ("COMPLETED", shown)
