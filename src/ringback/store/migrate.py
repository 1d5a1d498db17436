"""Schema migrations: the only way ringback's schema is built, in production and in tests."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic configuration for `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`."""
    if revision == "head" and is_current(engine):
        return  # every start and every test checks: reading the scripts again costs ~20 ms
    _run(engine, revision, command.upgrade)


def is_current(engine: Engine) -> bool:
    """Tell whether the schema is at the newest revision already."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return set(current) == set(_heads())


@functools.cache
def _heads() -> tuple[str, ...]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return tuple(ScriptDirectory.from_config(config).get_heads())


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema down to `revision`."""
    _run(engine, revision, command.downgrade)


def _run(engine: Engine, revision: str, action: Callable[[Config, str], None]) -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)
