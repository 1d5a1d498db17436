"""Key dispatch scenarios on the suite's database: a SQLite file, or PostgreSQL in make test.

RINGBACK_TEST_DATABASE=postgres runs them on PostgreSQL, where claims go through
FOR UPDATE SKIP LOCKED and the dispatcher's worker threads use a real connection pool.
"""

from __future__ import annotations

from ringback.core import Core
from ringback.testing import FakeClock
from tests.dispatch import scenarios


def test_each_waiting_callback_is_delivered_exactly_once(core: Core, clock: FakeClock) -> None:
    scenarios.each_waiting_callback_is_delivered_once(core, clock)


def test_definite_failures_are_retried_with_new_keys_until_max_attempts(
    core: Core, clock: FakeClock
) -> None:
    scenarios.definite_failures_are_retried_with_new_keys(core, clock)


def test_a_stale_claim_changes_nothing(core: Core, clock: FakeClock) -> None:
    scenarios.a_stale_claim_changes_nothing(core, clock)
