"""Alembic migrations build exactly the schema of store.tables, and take it down again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from ringback.store import migrate
from ringback.store.engine import build_engine
from ringback.store.tables import metadata
from tests.factories import backend, fresh_database

SRC = Path(__file__).resolve().parents[2] / "src" / "ringback"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(backend() != "postgres", reason="RINGBACK_TEST_DATABASE=postgres"),
        ],
    ),
]


@pytest.fixture(params=BACKENDS)
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a brand-new, empty database of each backend."""
    with fresh_database(request.param, tmp_path) as url:
        engine = build_engine(url)
        yield engine
        engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_a_new_database_is_empty(fresh: Engine) -> None:
    assert table_names(fresh) == set()


def test_upgrade_creates_every_table_with_its_columns_and_indexes(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    inspector = inspect(fresh)
    assert table_names(fresh) == set(metadata.tables) | {"alembic_version"}
    for table in metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert list(columns) == [c.name for c in table.columns], table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        primary_key = inspector.get_pk_constraint(table.name)["constrained_columns"]
        assert primary_key == [c.name for c in table.primary_key.columns], table.name
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            assert indexes.get(index.name) == [c.name for c in index.columns], index.name
        foreign = {
            (tuple(fk["constrained_columns"]), fk["referred_table"])
            for fk in inspector.get_foreign_keys(table.name)
        }
        expected = {
            (tuple(c.name for c in fk.columns), fk.referred_table.name)
            for fk in table.foreign_key_constraints
        }
        assert foreign == expected, table.name
    uniques = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("callbacks")}
    assert {("external_id",), ("idempotency_key",)} <= uniques
    with fresh.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_the_migrated_schema_matches_the_metadata(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    assert schema_differences(fresh) == []


def test_upgrade_is_idempotent(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    migrate.upgrade(fresh)
    assert schema_differences(fresh) == []


def test_downgrade_to_base_drops_everything_and_upgrade_works_again(fresh: Engine) -> None:
    migrate.upgrade(fresh)
    migrate.downgrade(fresh, "base")
    assert table_names(fresh) <= {"alembic_version"}
    with fresh.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is None
    migrate.upgrade(fresh)
    assert table_names(fresh) == set(metadata.tables) | {"alembic_version"}
    assert schema_differences(fresh) == []


def test_migrations_are_the_only_way_the_schema_is_built() -> None:
    sources = sorted(SRC.rglob("*.py"))
    assert len(sources) > 10
    offenders = [
        str(path.relative_to(SRC))
        for path in sources
        if re.search(r"\bcreate_all\b|\bdrop_all\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
