"""How UCCX shows a callback's state: its status words, RETRY and the failure statuses."""

from __future__ import annotations

import pytest

from ringback.dialects.uccx.wire import uccx_status
from ringback.domain.states import Reason, State

S = State

UCCX_EXPECTED = {
    S.SCHEDULED: "NEW",
    S.WAITING: "NEW",
    S.DISPATCHING: "PROCESSING",
    S.OFFERED: "REQUESTED",
    S.RESERVED: "AGENTACKNOWLEDGED",
    S.DIALING: "DIALINGTARGET",
    S.COMPLETED: "COMPLETED",
    S.FAILED: "EXCEEDEDNUMBEROFATTEMPTS",
    S.CANCELLED: "INACTIVE",
    S.EXPIRED: "INACTIVE",
}


@pytest.mark.parametrize(("state", "status"), UCCX_EXPECTED.items(), ids=str)
def test_uccx_status_of_each_state(state: State, status: str) -> None:
    assert uccx_status(state, None, 0) == status


def test_uccx_shows_retry_for_a_waiting_callback_already_attempted() -> None:
    assert uccx_status(S.WAITING, Reason.NO_ANSWER, 1) == "RETRY"
    assert uccx_status(S.WAITING, None, 2) == "RETRY"
    assert uccx_status(S.WAITING, None, 0) == "NEW"


@pytest.mark.parametrize(
    "state", [S.SCHEDULED, S.DISPATCHING, S.OFFERED, S.RESERVED, S.DIALING], ids=str
)
def test_uccx_retry_is_only_for_waiting(state: State) -> None:
    assert uccx_status(state, Reason.BUSY, 2) == UCCX_EXPECTED[state]


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        (Reason.INVALID_NUMBER, "INVALID"),
        (Reason.IVR_FAILURE, "IVR_FAILURE"),
        (Reason.AGENT_ABANDONED, "AGENTABANDONED"),
        (Reason.MAX_ATTEMPTS, "EXCEEDEDNUMBEROFATTEMPTS"),
        (Reason.NO_ANSWER, "EXCEEDEDNUMBEROFATTEMPTS"),
        (None, "EXCEEDEDNUMBEROFATTEMPTS"),
    ],
    ids=str,
)
def test_uccx_failure_reasons_refine_failed(reason: Reason | None, status: str) -> None:
    assert uccx_status(S.FAILED, reason, 3) == status


def test_uccx_failure_reasons_apply_only_to_failed() -> None:
    assert uccx_status(S.COMPLETED, Reason.INVALID_NUMBER, 1) == "COMPLETED"
    assert uccx_status(S.CANCELLED, Reason.IVR_FAILURE, 0) == "INACTIVE"
