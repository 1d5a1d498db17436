"""Personal contacts of a user (xuc)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from ringback.domain import errors


@dataclass(frozen=True, slots=True, kw_only=True)
class PersonalContact:
    """An entry of a user's own phone book."""

    id: UUID
    owner: str
    firstname: str = ""
    lastname: str = ""
    number: str = ""
    mobile: str = ""
    fax: str = ""
    email: str = ""
    company: str = ""

    def __post_init__(self) -> None:
        if not (self.firstname or self.lastname):
            raise errors.Invalid("a contact needs a firstname or a lastname", field="lastname")
        if not (self.number or self.mobile or self.fax or self.email):
            raise errors.Invalid("a contact needs a number, mobile, fax or email", field="number")
