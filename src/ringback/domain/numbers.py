"""Number policy: clean, parse and vet a customer's phone number before it is stored or dialled.

A number is cleaned (spaces, dots, dashes and parentheses dropped; a leading `00` becomes `+`),
then parsed with libphonenumber in the queue's default country. A possible number is returned in
E.164. One that is not (an internal extension such as `5115`, a local-only `1233457`) is refused
when the policy rejects impossible numbers, else returned as cleaned: an IVR may pass such numbers,
as the vendor examples do. Premium-rate and shared-cost numbers are refused when the policy says
so, and so is any number matching one of the queue's exception patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

from ringback.domain.errors import Invalid

MAX_RAW_LENGTH = 32
_SEPARATORS_RE = re.compile(r"[\s.\-()]")
_CLEAN_RE = re.compile(r"\+?[0-9]+")
_COSTLY_TYPES = {
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium-rate",
    phonenumbers.PhoneNumberType.SHARED_COST: "shared-cost",
}


@dataclass(frozen=True, slots=True)
class NumberPolicy:
    """How a queue vets customer numbers; checked on creation."""

    default_country: str = "US"
    reject_premium_numbers: bool = True
    reject_impossible_numbers: bool = False
    exceptions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.default_country not in phonenumbers.SUPPORTED_REGIONS:
            raise Invalid(
                f"unknown default country {self.default_country!r} (a region such as 'US' or 'FR')",
                field="default_country",
            )
        if isinstance(self.exceptions, str):
            raise Invalid("number_exceptions must be a list of patterns", field="number_exceptions")
        for pattern in self.exceptions:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                raise Invalid(
                    f"number exception pattern {pattern!r} is not a valid regular expression: "
                    f"{error}",
                    field="number_exceptions",
                ) from None


def _clean(raw: str, field: str) -> str:
    if not isinstance(raw, str):
        raise Invalid(f"phone number must be text, got {type(raw).__name__}", field=field)
    if len(raw) > MAX_RAW_LENGTH:
        raise Invalid(f"phone number is longer than {MAX_RAW_LENGTH} characters", field=field)
    cleaned = _SEPARATORS_RE.sub("", raw)
    if not cleaned or cleaned in ("+", "00"):
        raise Invalid(f"phone number {raw!r} has no digits", field=field)
    if any(char.isalpha() for char in cleaned):
        raise Invalid(f"phone number {raw!r} contains letters", field=field)
    if _CLEAN_RE.fullmatch(cleaned) is None:
        raise Invalid(
            f"phone number {raw!r} may hold only digits, a leading '+' and separators",
            field=field,
        )
    return "+" + cleaned[2:] if cleaned.startswith("00") else cleaned


def _parse(number: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The parsed number when it is possible (and not merely local-only), else None."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None
    reason = phonenumbers.is_possible_number_with_reason(parsed)
    return parsed if reason == phonenumbers.ValidationResult.IS_POSSIBLE else None


def normalize_number(raw: str, policy: NumberPolicy, *, field: str = "phone_number") -> str:
    """E.164 for a possible number, the cleaned input otherwise; Invalid when the policy refuses."""
    cleaned = _clean(raw, field)
    raw_form = _SEPARATORS_RE.sub("", raw)
    parsed = _parse(cleaned, policy.default_country)
    e164 = (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) if parsed else None
    )
    forms = {raw_form, cleaned, e164 or cleaned}
    for pattern in policy.exceptions:
        if any(re.fullmatch(pattern, form) for form in forms):
            raise Invalid(
                f"number {raw!r} is refused by the queue's exception list",
                field=field, exception_rule=pattern, number=raw,
            )  # fmt: skip
    if parsed is None or e164 is None:
        if policy.reject_impossible_numbers:
            raise Invalid(f"phone number {raw!r} is an impossible number", field=field)
        return cleaned
    costly = _COSTLY_TYPES.get(phonenumbers.number_type(parsed))
    if costly and policy.reject_premium_numbers:
        raise Invalid(f"phone number {raw!r} is a {costly} number", field=field)
    return e164
