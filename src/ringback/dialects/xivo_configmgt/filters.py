"""The dynamic filters of POST /callback_requests/find: whitelisted fields, typed values.

A wire filter becomes a Condition (a known field, an operator that fits its kind, a checked
value) and/or an Ordering; sql.py turns them into bound SQL, never into SQL text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from uuid import UUID

from ringback.dialects.xivo_configmgt.model import parse_date
from ringback.domain import errors

#: the largest integer a filter compares with (the columns are 32-bit integers)
MAX_INT = 2**31 - 1


class FieldKind(StrEnum):
    """What values a filterable field holds, which decides the operators it accepts."""

    TEXT = "text"
    UUID = "uuid"
    INT = "int"
    DATE = "date"
    BOOL = "bool"


#: the request fields a filter or an order may name, and their kind (the whitelist)
FILTER_FIELDS: dict[str, FieldKind] = {
    "uuid": FieldKind.UUID,
    "listUuid": FieldKind.UUID,
    "phoneNumber": FieldKind.TEXT,
    "mobilePhoneNumber": FieldKind.TEXT,
    "firstName": FieldKind.TEXT,
    "lastName": FieldKind.TEXT,
    "company": FieldKind.TEXT,
    "description": FieldKind.TEXT,
    "preferredPeriodUuid": FieldKind.UUID,
    "dueDate": FieldKind.DATE,
    "queueId": FieldKind.INT,
    "clotured": FieldKind.BOOL,
}


class Operator(StrEnum):
    """The operators of a dynamic filter."""

    EQ = "="
    NE = "!="
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="
    LIKE = "like"
    ILIKE = "ilike"
    IS_NULL = "is null"
    IS_NOT_NULL = "is not null"
    CONTAINS_ALL = "contains_all"


COMPARISONS = frozenset({Operator.EQ, Operator.NE, Operator.GT, Operator.GE, Operator.LT,
                         Operator.LE})  # fmt: skip
PATTERNS = frozenset({Operator.LIKE, Operator.ILIKE, Operator.CONTAINS_ALL})
NULL_TESTS = frozenset({Operator.IS_NULL, Operator.IS_NOT_NULL})
#: which operators each kind of field accepts
KIND_OPERATORS: dict[FieldKind, frozenset[Operator]] = {
    FieldKind.TEXT: COMPARISONS | PATTERNS | NULL_TESTS,
    FieldKind.UUID: frozenset({Operator.EQ, Operator.NE, Operator.LIKE}) | NULL_TESTS,
    FieldKind.INT: COMPARISONS,
    FieldKind.DATE: COMPARISONS | NULL_TESTS,
    FieldKind.BOOL: frozenset({Operator.EQ, Operator.NE}),
}
MAX_FILTERS = 20
MAX_VALUE_LENGTH = 256
MAX_LIST_ITEMS = 20


@dataclass(frozen=True, slots=True)
class Condition:
    """One checked filter condition: a whitelisted field, an operator and a typed value."""

    field: str
    operator: Operator
    value: Any = None


@dataclass(frozen=True, slots=True)
class Ordering:
    """One sort key of a find."""

    field: str
    descending: bool = False


def parse_filter(raw: object, index: int) -> tuple[Condition | None, Ordering | None]:
    """Check one wire filter `{field, operator?, value?, list?, order?}`; unknown names fail."""
    where = f"filters[{index}]"
    if not isinstance(raw, dict):
        raise errors.Invalid(f"{where} must be an object", field="filters")
    unknown = set(raw) - {"field", "operator", "value", "list", "order"}
    if unknown:
        raise errors.Invalid(f"{where} has unknown keys {sorted(unknown)}", field="filters")
    name = raw.get("field")
    if not isinstance(name, str) or name not in FILTER_FIELDS:
        raise errors.Invalid(f"{where}: unknown field {name!r}", field="filters")
    ordering = _ordering(raw.get("order"), name, where)
    if raw.get("operator") is None:
        if ordering is None:
            raise errors.Invalid(f"{where} needs an operator or an order", field="filters")
        return None, ordering
    return _condition(raw, name, where), ordering


def _ordering(raw: object, name: str, where: str) -> Ordering | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or raw.upper() not in ("ASC", "DESC"):
        raise errors.Invalid(f"{where}: order must be ASC or DESC", field="filters")
    return Ordering(name, raw.upper() == "DESC")


def _condition(raw: dict[str, Any], name: str, where: str) -> Condition:
    operator_name = raw.get("operator")
    try:
        operator = Operator(str(operator_name))
    except ValueError:
        raise errors.Invalid(f"{where}: unknown operator {operator_name!r}",
                             field="filters") from None  # fmt: skip
    kind = FILTER_FIELDS[name]
    if operator not in KIND_OPERATORS[kind]:
        raise errors.Invalid(f"{where}: operator {operator.value!r} does not apply to {name}",
                             field="filters")  # fmt: skip
    if operator in NULL_TESTS:
        return Condition(name, operator)
    if operator is Operator.CONTAINS_ALL:
        items = raw.get("list", raw.get("value"))
        return Condition(name, operator, _text_list(items, where))
    if operator in (Operator.LIKE, Operator.ILIKE):
        return Condition(name, operator, _text(raw.get("value"), where))
    return Condition(name, operator, _typed(kind, raw.get("value"), where))


def _text(value: object, where: str) -> str:
    # NUL cannot be stored or compared by PostgreSQL: refuse it rather than fail later
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH or "\x00" in value:
        raise errors.Invalid(f"{where}: value must be text of at most {MAX_VALUE_LENGTH} "
                             "characters", field="filters")  # fmt: skip
    return value


def _text_list(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST_ITEMS:
        raise errors.Invalid(f"{where}: contains_all needs a list of 1 to {MAX_LIST_ITEMS} "
                             "texts", field="filters")  # fmt: skip
    return tuple(_text(item, where) for item in value)


def _typed(kind: FieldKind, value: object, where: str) -> Any:
    if kind is FieldKind.INT:
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) > MAX_INT:
            raise errors.Invalid(f"{where}: value must be an integer from -{MAX_INT} to {MAX_INT}",
                                 field="filters")  # fmt: skip
        return value
    if kind is FieldKind.BOOL:
        if not isinstance(value, bool):
            raise errors.Invalid(f"{where}: value must be true or false", field="filters")
        return value
    text = _text(value, where)
    if kind is FieldKind.DATE:
        try:
            return parse_date(text, field="filters")
        except errors.Invalid:
            raise errors.Invalid(f"{where}: value must be a date YYYY-MM-DD (got {text!r})",
                                 field="filters") from None  # fmt: skip
    if kind is FieldKind.UUID:
        try:
            return str(UUID(text))
        except ValueError:
            raise errors.Invalid(f"{where}: value must be a uuid", field="filters") from None
    return text


def parse_filters(filters: Sequence[Any]) -> tuple[list[Condition], list[Ordering]]:
    """Check every wire filter; return the conditions and the sort keys in their order."""
    if not isinstance(filters, list) or len(filters) > MAX_FILTERS:
        raise errors.Invalid(f"filters must be a list of at most {MAX_FILTERS} filters",
                             field="filters")  # fmt: skip
    conditions: list[Condition] = []
    orderings: list[Ordering] = []
    for index, raw in enumerate(filters):
        condition, ordering = parse_filter(raw, index)
        if condition is not None:
            conditions.append(condition)
        if ordering is not None:
            orderings.append(ordering)
    return conditions, orderings
