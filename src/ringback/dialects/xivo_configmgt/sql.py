"""The XiVO wing's queries: callback lists, periods, tickets, dissuasions, request search.

The tables are declared in store/tables.py and created by the one migration chain. New requests
are stored by the engine (services/callbacks); this module only reads the callbacks table and
removes a deleted list's requests. The dynamic-filter search builds its WHERE clause only from
whitelisted columns (FIELD_COLUMNS) and bound parameters: nothing from the wire becomes SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, delete, func, insert, not_, or_, select, update
from sqlalchemy.sql import ColumnElement

from ringback.core import Core
from ringback.dialects.xivo_configmgt.filters import Condition, Operator, Ordering
from ringback.dialects.xivo_configmgt.model import (
    CallbackList,
    Dissuasion,
    DissuasionKind,
    Period,
    Ticket,
    TicketStatus,
)
from ringback.dialects.xivo_configmgt.service import XivoRepository
from ringback.domain.callbacks import Callback
from ringback.domain.states import OPEN_STATES, TERMINAL_STATES
from ringback.services.ports import Page
from ringback.store import rows
from ringback.store.tables import (
    callback_lists,
    callback_tickets,
    callbacks,
    periods,
    queue_dissuasions,
)
from ringback.store.transaction import SqlTransaction, UnitsOfWork

OPEN = [state.value for state in OPEN_STATES]
TERMINAL = [state.value for state in TERMINAL_STATES]
CHUNK = 500  # bound parameters per IN list, well under SQLite's limit

#: the whitelist: wire field -> column (clotured is derived from the state)
FIELD_COLUMNS: dict[str, Any] = {
    "uuid": callbacks.c.id,
    "listUuid": callbacks.c.list_id,
    "phoneNumber": callbacks.c.customer_number,
    "mobilePhoneNumber": callbacks.c.alternate_number,
    "firstName": callbacks.c.first_name,
    "lastName": callbacks.c.last_name,
    "company": callbacks.c.company,
    "description": callbacks.c.description,
    "preferredPeriodUuid": callbacks.c.period_id,
    "dueDate": callbacks.c.due_date,
    "queueId": callbacks.c.queue_id,
}
#: columns that are never NULL: "is null" there means "left empty"
EMPTY_MEANS_NULL = frozenset({"phoneNumber", "mobilePhoneNumber", "firstName", "lastName",
                              "company", "description"})  # fmt: skip
GLOB_LITERALS = {"*": "[*]", "?": "[?]", "[": "[[]"}


def units_of_work(core: Core) -> UnitsOfWork[XivoSqlTransaction]:
    """Return units of work on the core's database that also hold the XiVO repository."""
    return UnitsOfWork(core.store.engine, XivoSqlTransaction)


class XivoSqlTransaction(SqlTransaction):
    """The engine's repositories and the XiVO one, sharing one connection."""

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection)
        self.xivo: XivoRepository = SqlXivo(connection)


class SqlXivo:
    """The XiVO repository on one connection."""

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    # --- lists ---

    def add_list(self, callback_list: CallbackList) -> None:
        """Store a new callback list."""
        self._c.execute(insert(callback_lists).values(_list_row(callback_list)))

    def get_list(self, list_id: UUID) -> CallbackList | None:
        """Return the list with this uuid."""
        query = select(callback_lists).where(callback_lists.c.uuid == str(list_id))
        row = self._c.execute(query).mappings().first()
        return _list_from_row(row) if row else None

    def lists(self, queue_ids: Sequence[int] | None) -> list[CallbackList]:
        """Return the lists of these queues (all when None), by name."""
        query = select(callback_lists).order_by(callback_lists.c.name, callback_lists.c.uuid)
        if queue_ids is not None:
            query = query.where(callback_lists.c.queue_id.in_(list(queue_ids)))
        return [_list_from_row(row) for row in self._c.execute(query).mappings()]

    def delete_list(self, list_id: UUID) -> None:
        """Remove a list and its tickets (the engine removes its requests first)."""
        key = str(list_id)
        self._c.execute(delete(callback_tickets).where(callback_tickets.c.list_id == key))
        self._c.execute(delete(callback_lists).where(callback_lists.c.uuid == key))

    def open_requests(self, list_ids: Sequence[UUID]) -> list[Callback]:
        """Return the open requests of these lists, earliest due date first."""
        found: list[Callback] = []
        keys = [str(i) for i in list_ids]
        for start in range(0, len(keys), CHUNK):
            query = (
                select(callbacks)
                .where(callbacks.c.list_id.in_(keys[start : start + CHUNK]))
                .where(callbacks.c.state.in_(OPEN))
                .order_by(callbacks.c.due_date, callbacks.c.created_at, callbacks.c.id)
            )
            found += [rows.callback_from_row(r) for r in self._c.execute(query).mappings()]
        return found

    # --- periods ---

    def periods(self) -> list[Period]:
        """Return every period, by start time."""
        query = select(periods).order_by(periods.c.period_start, periods.c.name)
        return [_period_from_row(row) for row in self._c.execute(query).mappings()]

    def get_period(self, period_id: UUID) -> Period | None:
        """Return the period with this uuid."""
        return self._period(periods.c.uuid == str(period_id))

    def period_named(self, name: str) -> Period | None:
        """Return the period with this name."""
        return self._period(periods.c.name == name)

    def add_period(self, period: Period) -> None:
        """Store a new period."""
        self._c.execute(insert(periods).values(_period_row(period)))

    def update_period(self, period: Period) -> None:
        """Replace a stored period."""
        values = _period_row(period)
        del values["uuid"]
        self._c.execute(update(periods).where(periods.c.uuid == str(period.uuid)).values(values))

    def delete_period(self, period_id: UUID) -> None:
        """Remove a period (the engine unlinks the requests that preferred it first)."""
        self._c.execute(delete(periods).where(periods.c.uuid == str(period_id)))

    def clear_default_period(self) -> None:
        """Make no period the default."""
        self._c.execute(update(periods).where(periods.c.is_default).values(is_default=False))

    def _period(self, where: ColumnElement[bool]) -> Period | None:
        row = self._c.execute(select(periods).where(where)).mappings().first()
        return _period_from_row(row) if row else None

    # --- tickets ---

    def add_ticket(self, ticket: Ticket) -> None:
        """Store a new ticket."""
        self._c.execute(insert(callback_tickets).values(_ticket_row(ticket)))

    def update_ticket(self, ticket: Ticket) -> None:
        """Replace a stored ticket."""
        values = _ticket_row(ticket)
        del values["uuid"]
        statement = update(callback_tickets).where(callback_tickets.c.uuid == str(ticket.uuid))
        self._c.execute(statement.values(values))

    def open_ticket(self, callback_id: UUID) -> Ticket | None:
        """Return the request's ticket that is not closed yet."""
        query = select(callback_tickets).where(
            callback_tickets.c.callback_id == str(callback_id),
            callback_tickets.c.closed_at.is_(None),
        )
        row = self._c.execute(query).mappings().first()
        return _ticket_from_row(row) if row else None

    def tickets_of_list(self, list_id: UUID) -> list[tuple[Ticket, Callback]]:
        """Return a list's tickets with their requests, oldest first."""
        query = (
            select(callback_tickets, callbacks)
            .join(callbacks, callbacks.c.id == callback_tickets.c.callback_id)
            .where(callback_tickets.c.list_id == str(list_id))
            .order_by(callback_tickets.c.started_at, callback_tickets.c.uuid)
        )
        result = self._c.execute(query)
        ticket_width = len(callback_tickets.c)
        pairs = []
        for row in result:
            ticket_values = dict(zip(callback_tickets.c.keys(), row[:ticket_width], strict=True))
            callback_values = dict(zip(callbacks.c.keys(), row[ticket_width:], strict=True))
            pairs.append((_ticket_from_values(ticket_values), _callback(callback_values)))
        return pairs

    # --- dissuasions ---

    def get_dissuasion(self, queue_id: int) -> Dissuasion | None:
        """Return the stored dissuasion of a queue."""
        query = select(queue_dissuasions).where(queue_dissuasions.c.queue_id == queue_id)
        row = self._c.execute(query).mappings().first()
        if row is None:
            return None
        return Dissuasion(row["queue_id"], DissuasionKind(row["kind"]), row["value"])

    def put_dissuasion(self, dissuasion: Dissuasion) -> None:
        """Store (or replace) a queue's dissuasion."""
        where = queue_dissuasions.c.queue_id == dissuasion.queue_id
        self._c.execute(delete(queue_dissuasions).where(where))
        values = {"queue_id": dissuasion.queue_id, "kind": dissuasion.kind.value,
                  "value": dissuasion.value}  # fmt: skip
        self._c.execute(insert(queue_dissuasions).values(values))

    # --- requests ---

    def find_requests(
        self,
        conditions: Sequence[Condition],
        orderings: Sequence[Ordering],
        *,
        queue_ids: Sequence[int] | None,
        offset: int,
        limit: int,
    ) -> Page:
        """Return the requests (callbacks with a list) matching every condition."""
        where: list[ColumnElement[bool]] = [callbacks.c.list_id.is_not(None)]
        if queue_ids is not None:
            where.append(callbacks.c.queue_id.in_(list(queue_ids)))
        where += [self._condition(condition) for condition in conditions]
        total = self._c.execute(
            select(func.count()).select_from(callbacks).where(*where)
        ).scalar_one()
        order = [_order_column(o) for o in orderings] + [callbacks.c.created_at, callbacks.c.id]
        page = select(callbacks).where(*where).order_by(*order).offset(offset).limit(limit)
        found = [rows.callback_from_row(r) for r in self._c.execute(page).mappings()]
        return Page(int(total), found)

    def _condition(self, condition: Condition) -> ColumnElement[bool]:
        if condition.field == "clotured":
            return _clotured(condition)
        column = FIELD_COLUMNS[condition.field]
        operator, value = condition.operator, condition.value
        if operator in (Operator.IS_NULL, Operator.IS_NOT_NULL):
            return _null_test(condition.field, column, operator is Operator.IS_NULL)
        if operator is Operator.LIKE:
            return self._like(column, value)
        if operator is Operator.ILIKE:
            return self._ilike(column, value)
        if operator is Operator.CONTAINS_ALL:
            lowered = func.lower(column)
            return and_(*[lowered.contains(item.lower(), autoescape=True) for item in value])
        return _comparison(column, operator, value)

    def _like(self, column: Any, pattern: str) -> ColumnElement[bool]:
        """Case-sensitive LIKE on both databases: SQLite's LIKE ignores ASCII case, GLOB not."""
        if self._c.dialect.name == "sqlite":
            return column.op("GLOB")(like_to_glob(pattern))  # type: ignore[no-any-return]
        # ESCAPE '': PostgreSQL would otherwise read a backslash as an escape (SQLite has none)
        return column.like(pattern, escape="")  # type: ignore[no-any-return]

    def _ilike(self, column: Any, pattern: str) -> ColumnElement[bool]:
        """Case-insensitive LIKE; SQLite's lower(x) LIKE lower(y) has no escape character."""
        if self._c.dialect.name == "sqlite":
            return column.ilike(pattern)  # type: ignore[no-any-return]
        return column.ilike(pattern, escape="")  # type: ignore[no-any-return]


def like_to_glob(pattern: str) -> str:
    """Translate a LIKE pattern (% and _ wildcards, no escape) into the equivalent GLOB."""
    out = []
    for char in pattern:
        if char == "%":
            out.append("*")
        elif char == "_":
            out.append("?")
        else:
            out.append(GLOB_LITERALS.get(char, char))
    return "".join(out)


def _clotured(condition: Condition) -> ColumnElement[bool]:
    wanted = condition.value if condition.operator is Operator.EQ else not condition.value
    terminal = callbacks.c.state.in_(TERMINAL)
    return terminal if wanted else not_(terminal)


def _null_test(field: str, column: Any, is_null: bool) -> ColumnElement[bool]:
    if field in EMPTY_MEANS_NULL:
        empty = or_(column.is_(None), column == "")
        return empty if is_null else not_(empty)
    return column.is_(None) if is_null else column.is_not(None)  # type: ignore[no-any-return]


def _comparison(column: Any, operator: Operator, value: Any) -> ColumnElement[bool]:
    compare = {
        Operator.EQ: column.__eq__,
        Operator.NE: column.__ne__,
        Operator.GT: column.__gt__,
        Operator.GE: column.__ge__,
        Operator.LT: column.__lt__,
        Operator.LE: column.__le__,
    }[operator]
    return compare(value)  # type: ignore[no-any-return]


def _order_column(ordering: Ordering) -> Any:
    if ordering.field == "clotured":
        column: Any = callbacks.c.state.in_(TERMINAL)
    else:
        column = FIELD_COLUMNS[ordering.field]
    return column.desc() if ordering.descending else column.asc()


def _callback(values: dict[str, Any]) -> Callback:
    return rows.callback_from_row(values)  # type: ignore[arg-type]


def _list_row(callback_list: CallbackList) -> dict[str, Any]:
    return {"uuid": str(callback_list.uuid), "name": callback_list.name,
            "queue_id": callback_list.queue_id}  # fmt: skip


def _list_from_row(row: Any) -> CallbackList:
    return CallbackList(UUID(row["uuid"]), row["name"], row["queue_id"])


def _period_row(period: Period) -> dict[str, Any]:
    return {
        "uuid": str(period.uuid),
        "name": period.name,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "is_default": period.default,
    }


def _period_from_row(row: Any) -> Period:
    return Period(
        UUID(row["uuid"]),
        row["name"],
        time.fromisoformat(row["period_start"]),
        time.fromisoformat(row["period_end"]),
        bool(row["is_default"]),
    )


def _ticket_row(ticket: Ticket) -> dict[str, Any]:
    return {
        "uuid": str(ticket.uuid),
        "callback_id": str(ticket.callback_id),
        "list_id": str(ticket.list_id) if ticket.list_id else None,
        "agent_id": ticket.agent_id,
        "agent": ticket.agent,
        "status": ticket.status.value if ticket.status else None,
        "comment": ticket.comment,
        "started_at": ticket.started_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
    }


def _ticket_from_row(row: Any) -> Ticket:
    return _ticket_from_values(dict(row))


def _ticket_from_values(values: dict[str, Any]) -> Ticket:
    return Ticket(
        uuid=UUID(values["uuid"]),
        callback_id=UUID(values["callback_id"]),
        list_id=UUID(values["list_id"]) if values["list_id"] else None,
        agent_id=values["agent_id"],
        agent=values["agent"],
        started_at=values["started_at"],
        updated_at=values["updated_at"],
        status=TicketStatus(values["status"]) if values["status"] else None,
        comment=values["comment"],
        closed_at=values["closed_at"],
    )
