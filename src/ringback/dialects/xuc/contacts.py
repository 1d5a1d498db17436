"""Personal contacts of a user (xuc): the entries of a user's own phone book."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from ringback.domain import errors

#: the contact fields, in the order the xuc CSV export and import use
CSV_COLUMNS = ("company", "email", "fax", "firstname", "lastname", "mobile", "number")
#: the longest value a field may hold
MAX_FIELD_LENGTH = 128
#: how many contacts one user may keep; a phone book bigger than this is a data error
MAX_CONTACTS_PER_USER = 5000
#: what a phone, mobile or fax number may contain: digits and the usual separators
PHONE = re.compile(r"^[0-9+*#() .\-]*$")
PHONE_FIELDS = ("number", "mobile", "fax")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactFields:
    """What a user writes about a contact; checked when built."""

    firstname: str = ""
    lastname: str = ""
    number: str = ""
    mobile: str = ""
    fax: str = ""
    email: str = ""
    company: str = ""

    def __post_init__(self) -> None:
        for name in CSV_COLUMNS:
            _check_text(name, getattr(self, name))
        for name in PHONE_FIELDS:
            if not PHONE.match(getattr(self, name)):
                raise errors.Invalid(f"{name} may hold only digits and + * # ( ) . -", field=name)
        if self.email and "@" not in self.email:
            raise errors.Invalid("email must contain @", field="email")
        if not (self.firstname or self.lastname):
            raise errors.Invalid("a contact needs a firstname or a lastname", field="lastname")
        if not (self.number or self.mobile or self.fax or self.email):
            raise errors.Invalid("a contact needs a number, mobile, fax or email", field="number")

    def identity(self) -> tuple[str, ...]:
        """Return what two duplicate contacts share: every field, ignoring letter case."""
        return tuple(getattr(self, name).casefold() for name in CSV_COLUMNS)


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonalContact:
    """An entry of a user's own phone book."""

    id: UUID
    owner: str
    fields: ContactFields


def _check_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise errors.Invalid(f"{name} must be a string", field=name)
    if len(value) > MAX_FIELD_LENGTH:
        raise errors.Invalid(f"{name} has more than {MAX_FIELD_LENGTH} characters", field=name)
    if any(ord(ch) < 32 for ch in value):
        raise errors.Invalid(f"{name} contains a control character", field=name)
