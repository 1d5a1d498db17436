"""Logins: the one pattern every dialect relies on to keep odd names out of queries."""

from __future__ import annotations

import pytest

from ringback.domain import errors
from ringback.domain.people import check_login


@pytest.mark.parametrize("login", ["bob", "a", "jean.dupont@avencall.com", "x" * 64, "a_b-c"])
def test_a_well_formed_login_passes(login: str) -> None:
    check_login(login)


@pytest.mark.parametrize(
    "login", ["", "bob\n", "bob\r\n", "\nbob", "bo b", "bob\x00", "_bob", "x" * 65, "bób"]
)
def test_a_malformed_login_is_refused(login: str) -> None:
    with pytest.raises(errors.Invalid):
        check_login(login)
