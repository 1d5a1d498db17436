from __future__ import annotations

import pytest

from ringback.domain.errors import Invalid
from ringback.domain.numbers import NumberPolicy, normalize_number

US = NumberPolicy()
FR = NumberPolicy(default_country="FR")
GB = NumberPolicy(default_country="GB")


def refused(raw: str, policy: NumberPolicy = US, field: str = "phone_number") -> Invalid:
    with pytest.raises(Invalid) as raised:
        normalize_number(raw, policy, field=field)
    assert raised.value.field == field
    return raised.value


def test_policy_defaults_follow_gms() -> None:
    policy = NumberPolicy()
    assert policy.default_country == "US"
    assert policy.reject_premium_numbers
    assert not policy.reject_impossible_numbers
    assert policy.exceptions == ()


@pytest.mark.parametrize(
    ("raw", "policy", "expected"),
    [
        ("4155550123", US, "+14155550123"),
        ("(415) 555-0123", US, "+14155550123"),
        ("415.555.0123", US, "+14155550123"),
        ("1 415 555 0123", US, "+14155550123"),
        ("+14155550123", US, "+14155550123"),
        ("+1 415-555-0123", FR, "+14155550123"),
        ("06 12 34 56 78", FR, "+33612345678"),
        ("01.23.45.67.89", FR, "+33123456789"),
        ("+33 6 12 34 56 78", US, "+33612345678"),
        ("0033612345678", US, "+33612345678"),
        ("00 44 20 7946 0018", FR, "+442079460018"),
        ("011 33 6 12 34 56 78", US, "+33612345678"),
    ],
)
def test_possible_numbers_become_e164(raw: str, policy: NumberPolicy, expected: str) -> None:
    assert normalize_number(raw, policy) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5115", "5115"),
        ("1233457", "1233457"),
        ("123-3457", "1233457"),
        ("+999123456", "+999123456"),
    ],
)
def test_impossible_numbers_pass_as_cleaned_by_default(raw: str, expected: str) -> None:
    assert normalize_number(raw, US) == expected


def test_impossible_numbers_keep_a_converted_international_prefix() -> None:
    assert normalize_number("00 33 12", FR) == "+3312"


@pytest.mark.parametrize("raw", ["5115", "1233457", "+33123", "123456789012345678"])
def test_impossible_numbers_refused_when_the_policy_says_so(raw: str) -> None:
    error = refused(raw, NumberPolicy(reject_impossible_numbers=True))
    assert "impossible number" in error.message
    assert repr(raw) in error.message


@pytest.mark.parametrize(
    ("raw", "policy", "kind"),
    [
        ("+33 8 99 12 34 56", US, "premium-rate"),
        ("0899123456", FR, "premium-rate"),
        ("09012345678", GB, "premium-rate"),
        ("+44 901 234 5678", US, "premium-rate"),
        ("1-900-555-1234", US, "premium-rate"),
        ("+33 8 10 12 34 56", US, "shared-cost"),
    ],
)
def test_costly_numbers_refused_by_default(raw: str, policy: NumberPolicy, kind: str) -> None:
    assert refused(raw, policy).message == f"phone number {raw!r} is a {kind} number"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+33899123456", "+33899123456"), ("+449012345678", "+449012345678")],
)
def test_costly_numbers_allowed_when_premium_rejection_is_off(raw: str, expected: str) -> None:
    assert normalize_number(raw, NumberPolicy(reject_premium_numbers=False)) == expected


def test_exceptions_match_the_cleaned_and_e164_forms() -> None:
    policy = NumberPolicy(exceptions=(r"\+1415555\d{4}", r"5115", r"0033.*"))
    assert "refused by the queue's exception list" in refused("(415) 555-0123", policy).message
    assert (
        refused("5115", policy).message == "number '5115' is refused by the queue's exception list"
    )
    assert refused("00 33 6 12 34 56 78", policy).field == "phone_number"
    assert normalize_number("4155550124", NumberPolicy(exceptions=(r"\+1415555012[3]",))) == (
        "+14155550124"
    )


def test_exceptions_match_the_whole_number_only() -> None:
    policy = NumberPolicy(exceptions=("555",))
    assert normalize_number("4155550123", policy) == "+14155550123"


def test_field_name_is_passed_through() -> None:
    error = refused("12ab", field="alternate_number")
    assert error.message == "phone number '12ab' contains letters"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "has no digits"),
        ("   ", "has no digits"),
        ("+", "has no digits"),
        ("00", "has no digits"),
        ("( - . )", "has no digits"),
        ("call me", "contains letters"),
        ("+1415555O123", "contains letters"),
        ("415*555#0123", "may hold only digits"),
        ("41+55550123", "may hold only digits"),
        ("++14155550123", "may hold only digits"),
        ("٤١٥٥٥٥٠١٢٣", "may hold only digits"),
        ("1" * 33, "longer than 32 characters"),
    ],
)
def test_garbage_is_invalid_and_says_why(raw: str, reason: str) -> None:
    assert reason in refused(raw).message


def test_32_characters_with_separators_are_accepted() -> None:
    raw = "+1 (415) 555-0123" + " " * 15
    assert len(raw) == 32
    assert normalize_number(raw, US) == "+14155550123"


def test_unknown_default_country_is_invalid() -> None:
    with pytest.raises(Invalid) as raised:
        NumberPolicy(default_country="XX")
    assert raised.value.field == "default_country"
    assert "'XX'" in raised.value.message


@pytest.mark.parametrize("pattern", ["(", "[0-9", "*1"])
def test_bad_exception_pattern_is_invalid(pattern: str) -> None:
    with pytest.raises(Invalid) as raised:
        NumberPolicy(exceptions=(pattern,))
    assert raised.value.field == "number_exceptions"
    assert repr(pattern) in raised.value.message
