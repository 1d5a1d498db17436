"""The `ringback` commands other than serve, through typer's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from ringback import __version__
from ringback.cli import app
from ringback.domain.people import Principal
from ringback.settings import Settings
from ringback.store.engine import build_engine
from ringback.testing import memory_core

runner = CliRunner()


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.output.strip() == __version__


def test_db_upgrade_builds_the_schema(url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--database-url", url])
    assert result.exit_code == 0, result.output
    tables = set(inspect(build_engine(url)).get_table_names())
    assert {"queues", "callbacks", "callback_events", "users", "alembic_version"} <= tables


def test_queue_add_then_duplicate_name_fails(url: str) -> None:
    args = ["queue", "add", "Sales", "--id", "7", "--timezone", "Europe/Paris",
            "--hours", "Mon-Fri 09:00-17:00", "--database-url", url]  # fmt: skip
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "queue Sales added with id 7" in first.output
    again = runner.invoke(app, ["queue", "add", "Sales", "--database-url", url])
    assert again.exit_code == 1
    assert "taken" in again.output
    core = memory_core(database_url=url)
    queue = core.queues.get(Principal.service(), 7)
    assert queue.settings.business_hours == ("Mon-Fri 09:00-17:00",)


def test_queue_add_refuses_a_bad_time_zone(url: str) -> None:
    result = runner.invoke(
        app, ["queue", "add", "X", "--timezone", "Mars/Base", "--database-url", url]
    )
    assert result.exit_code == 1
    assert "Mars/Base" in result.output


def test_user_add_with_queue_rights(url: str) -> None:
    args = ["user", "add", "sup1", "--password", "long-enough-1", "--profile", "supervisor",
            "--queue", "1", "--queue", "2", "--database-url", url]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    core = memory_core(database_url=url)
    user = core.users.authenticate("sup1", "long-enough-1")
    assert user.rights.queue_ids == (1, 2)


def test_user_add_refuses_a_short_password(url: str) -> None:
    result = runner.invoke(
        app, ["user", "add", "sup2", "--password", "short", "--database-url", url]
    )
    assert result.exit_code == 1
    assert "at least 8" in result.output


def test_settings_layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ringback.toml"
    config.write_text('port = 9100\ntimezone = "Europe/Paris"\nlog_level = "DEBUG"\n')
    monkeypatch.setenv("RINGBACK_CONFIG", str(config))
    monkeypatch.setenv("RINGBACK_PORT", "9200")
    assert Settings().timezone == "Europe/Paris"  # file over default
    assert Settings().port == 9200  # environment over file
    assert Settings(port=9300).port == 9300  # flag over environment
    assert Settings().database_url == "sqlite:///./ringback.db"  # default


def test_settings_refuse_unknown_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "ringback.toml"
    config.write_text("prot = 9100\n")
    monkeypatch.setenv("RINGBACK_CONFIG", str(config))
    with pytest.raises(ValueError, match="prot"):
        Settings()
