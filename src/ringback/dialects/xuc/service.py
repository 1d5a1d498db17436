"""What only xuc 2.0 keeps: the wing's repositories and unit of work, and personal contacts.

Each user's own phone book is xuc's alone; the sessions (tokens, SSO, push tokens) are in
sessions.py, over the same unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from uuid import UUID

from ringback.dialects.xuc.contacts import MAX_CONTACTS_PER_USER, ContactFields, PersonalContact
from ringback.domain import errors
from ringback.services.ports import Clock, Transaction


class ContactRepository(Protocol):
    """Personal contacts, always read and written for one owner."""

    def of_owner(self, owner: str) -> list[PersonalContact]:
        """Return an owner's contacts, by lastname then firstname."""
        ...

    def get(self, owner: str, contact_id: UUID) -> PersonalContact | None:
        """Return one contact of an owner."""
        ...

    def add_many(self, contacts: Sequence[PersonalContact], at: datetime) -> None:
        """Store new contacts, created `at`."""
        ...

    def update(self, contact: PersonalContact) -> None:
        """Replace a stored contact."""
        ...

    def delete(self, owner: str, contact_id: UUID) -> bool:
        """Remove one contact; tell whether it existed."""
        ...

    def delete_all(self, owner: str) -> int:
        """Remove every contact of an owner; return how many there were."""
        ...


class PushTokenRepository(Protocol):
    """Mobile push registration tokens."""

    def put(self, login: str, platform: str, token: str, api_version: str, at: datetime) -> None:
        """Store (or replace) the token of a user's platform."""
        ...

    def of_user(self, login: str) -> dict[str, str]:
        """Return a user's tokens by platform."""
        ...


class XucTransaction(Transaction, Protocol):
    """The engine's repositories, and the personal contacts and push tokens of xuc 2.0."""

    contacts: ContactRepository
    push_tokens: PushTokenRepository


class XucStore(Protocol):
    """Opens units of work holding the xuc repositories besides the engine's."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[XucTransaction]:
        """Open a unit of work, committed on success and rolled back on error."""
        ...


@dataclass(frozen=True, slots=True)
class ImportLine:
    """One CSV line to import: its number in the file and its fields, or why it cannot be read."""

    line: int
    values: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(slots=True)
class ImportResult:
    """What an import created, and which lines failed with which errors."""

    created: list[PersonalContact] = field(default_factory=list)
    failed: list[tuple[int, list[str]]] = field(default_factory=list)


class ContactService:
    """Read and change the personal contacts of the user who asks."""

    def __init__(self, store: XucStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def list(self, owner: str) -> list[PersonalContact]:
        """Return the owner's contacts, by lastname then firstname."""
        with self._store.transaction(read_only=True) as tx:
            return tx.contacts.of_owner(owner)

    def get(self, owner: str, contact_id: UUID) -> PersonalContact:
        """Return one of the owner's contacts."""
        with self._store.transaction(read_only=True) as tx:
            return _existing(tx.contacts.get(owner, contact_id), contact_id)

    def create(self, owner: str, fields: ContactFields) -> PersonalContact:
        """Store a new contact unless the owner has the same one already."""
        contact = PersonalContact(id=uuid.uuid4(), owner=owner, fields=fields)
        with self._store.transaction() as tx:
            known = tx.contacts.of_owner(owner)
            _check_room(len(known), 1)
            _refuse_duplicate(fields, _identities(known))
            tx.contacts.add_many([contact], self._clock.now())
        return contact

    def update(self, owner: str, contact_id: UUID, fields: ContactFields) -> PersonalContact:
        """Replace one of the owner's contacts; it may not become a copy of another one."""
        with self._store.transaction() as tx:
            _existing(tx.contacts.get(owner, contact_id), contact_id)
            others = [c for c in tx.contacts.of_owner(owner) if c.id != contact_id]
            _refuse_duplicate(fields, _identities(others))
            contact = PersonalContact(id=contact_id, owner=owner, fields=fields)
            tx.contacts.update(contact)
        return contact

    def delete(self, owner: str, contact_id: UUID) -> None:
        """Remove one of the owner's contacts."""
        with self._store.transaction() as tx:
            if not tx.contacts.delete(owner, contact_id):
                raise errors.NotFound(f"contact {contact_id} does not exist")

    def delete_all(self, owner: str) -> int:
        """Remove every contact of the owner."""
        with self._store.transaction() as tx:
            return tx.contacts.delete_all(owner)

    def import_lines(self, owner: str, lines: Sequence[ImportLine]) -> ImportResult:
        """Create a contact per good line; a bad or duplicate line fails alone, as xuc reports."""
        result = ImportResult()
        with self._store.transaction() as tx:
            known = tx.contacts.of_owner(owner)
            count, seen = len(known), _identities(known)
            for line in lines:
                problem = _import_one(owner, line, count + len(result.created), seen, result)
                if problem is not None:
                    result.failed.append((line.line, [problem]))
            tx.contacts.add_many(result.created, self._clock.now())
        return result


def _import_one(
    owner: str, line: ImportLine, count: int, seen: set[tuple[str, ...]], result: ImportResult
) -> str | None:
    """Add the line's contact to `result` and `seen`, or return why it cannot be created."""
    if line.error is not None:
        return line.error
    try:
        fields = ContactFields(**line.values)
        _refuse_duplicate(fields, seen)
        _check_room(count, 1)
    except errors.RingbackError as exc:
        return exc.message
    seen.add(fields.identity())
    result.created.append(PersonalContact(id=uuid.uuid4(), owner=owner, fields=fields))
    return None


def _existing(contact: PersonalContact | None, contact_id: UUID) -> PersonalContact:
    if contact is None:
        raise errors.NotFound(f"contact {contact_id} does not exist")
    return contact


def _identities(contacts: Sequence[PersonalContact]) -> set[tuple[str, ...]]:
    return {contact.fields.identity() for contact in contacts}


def _refuse_duplicate(fields: ContactFields, seen: set[tuple[str, ...]]) -> None:
    if fields.identity() in seen:
        raise errors.Conflict("the same personal contact exists already")


def _check_room(count: int, adding: int) -> None:
    if count + adding > MAX_CONTACTS_PER_USER:
        raise errors.Invalid(
            f"a user keeps at most {MAX_CONTACTS_PER_USER} personal contacts", field="contacts"
        )
