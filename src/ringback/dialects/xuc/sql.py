"""The xuc wing's own tables in SQL: personal contacts and push tokens, and their unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from ringback.core import Core
from ringback.dialects.xuc.contacts import CSV_COLUMNS, ContactFields, PersonalContact
from ringback.dialects.xuc.service import ContactRepository, PushTokenRepository
from ringback.store.tables import personal_contacts, push_tokens
from ringback.store.transaction import SqlTransaction, UnitsOfWork


class XucSqlTransaction(SqlTransaction):
    """The engine's repositories, and xuc's personal contacts and push tokens."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.contacts: ContactRepository = SqlContacts(connection)
        self.push_tokens: PushTokenRepository = SqlPushTokens(connection)


def units_of_work(core: Core) -> UnitsOfWork[XucSqlTransaction]:
    """Return units of work on the core's database that hold the xuc repositories too."""
    return UnitsOfWork(core.store.engine, XucSqlTransaction)


class SqlContacts:
    """Personal contacts in SQL, always for one owner."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def of_owner(self, owner: str) -> list[PersonalContact]:
        """Return an owner's contacts, by lastname then firstname."""
        t = personal_contacts
        query = (
            select(t)
            .where(t.c.owner == owner)
            .order_by(func.lower(t.c.lastname), func.lower(t.c.firstname), t.c.created_at, t.c.id)
        )
        return [_contact(row) for row in self._c.execute(query).mappings()]

    def get(self, owner: str, contact_id: UUID) -> PersonalContact | None:
        """Return one contact of an owner."""
        t = personal_contacts
        query = select(t).where(t.c.owner == owner, t.c.id == str(contact_id))
        row = self._c.execute(query).mappings().first()
        return _contact(row) if row else None

    def add_many(self, contacts: Sequence[PersonalContact], at: datetime) -> None:
        """Store new contacts, created `at`."""
        if not contacts:
            return
        self._c.execute(
            insert(personal_contacts),
            [{**_contact_values(c), "owner": c.owner, "created_at": at} for c in contacts],
        )

    def update(self, contact: PersonalContact) -> None:
        """Replace a stored contact."""
        t = personal_contacts
        where = (t.c.owner == contact.owner) & (t.c.id == str(contact.id))
        self._c.execute(update(t).where(where).values(_contact_values(contact)))

    def delete(self, owner: str, contact_id: UUID) -> bool:
        """Remove one contact; tell whether it existed."""
        t = personal_contacts
        result = self._c.execute(delete(t).where(t.c.owner == owner, t.c.id == str(contact_id)))
        return bool(result.rowcount)

    def delete_all(self, owner: str) -> int:
        """Remove every contact of an owner."""
        result = self._c.execute(
            delete(personal_contacts).where(personal_contacts.c.owner == owner)
        )
        return int(result.rowcount)


def _contact(row: RowMapping) -> PersonalContact:
    fields = ContactFields(**{name: row[name] for name in CSV_COLUMNS})
    return PersonalContact(id=UUID(row["id"]), owner=row["owner"], fields=fields)


def _contact_values(contact: PersonalContact) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(contact.fields, name) for name in CSV_COLUMNS}
    values["id"] = str(contact.id)
    return values


class SqlPushTokens:
    """Mobile push tokens in SQL."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def put(self, login: str, platform: str, token: str, api_version: str, at: datetime) -> None:
        """Store (or replace) the token of a user's platform."""
        t = push_tokens
        self._c.execute(delete(t).where(t.c.login == login, t.c.platform == platform))
        self._c.execute(
            insert(t).values(
                login=login, platform=platform, token=token, api_version=api_version, updated_at=at
            )
        )

    def of_user(self, login: str) -> dict[str, str]:
        """Return a user's tokens by platform."""
        t = push_tokens
        rows = self._c.execute(select(t.c.platform, t.c.token).where(t.c.login == login))
        return {platform: token for platform, token in rows}
