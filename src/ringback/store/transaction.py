"""The SQL store: one database transaction per unit of work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from ringback.domain import errors
from ringback.services import ports
from ringback.services.ports import QualificationRepository
from ringback.store import callbacks, qualifications, repositories, webhooks
from ringback.store.engine import READ_ONLY


class SqlTransaction:
    """The repositories of one unit of work, sharing one connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.queues: ports.QueueRepository = repositories.SqlQueues(connection)
        self.users: ports.UserRepository = repositories.SqlUsers(connection)
        self.agents: ports.AgentRepository = repositories.SqlAgents(connection)
        self.callbacks: ports.CallbackRepository = callbacks.SqlCallbacks(connection)
        self.events: ports.EventLog = repositories.SqlEventLog(connection)
        self.secrets: ports.SecretRepository = repositories.SqlSecrets(connection)
        self.webhooks: ports.WebhookRepository = webhooks.SqlWebhooks(connection)
        self.dialect_settings: ports.DialectSettingsRepository = repositories.SqlDialectSettings(
            connection
        )
        self.qualifications: QualificationRepository = qualifications.SqlQualifications(connection)


#: the repositories a unit of work holds: the engine's, or a wing's extension of them
Tx = TypeVar("Tx", bound=SqlTransaction)


class UnitsOfWork(Generic[Tx]):
    """Opens units of work on an engine; commits when the block ends without error.

    A wing whose service needs repositories of its own besides the engine's gives a subclass
    of SqlTransaction that adds them: `UnitsOfWork(engine, XivoSqlTransaction)`.
    """

    def __init__(self, engine: Engine, repositories: Callable[[Connection], Tx]) -> None:
        self.engine = engine
        self._repositories = repositories

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Tx]:
        """Open a unit of work, committed on success and rolled back on error.

        `read_only` units do not take SQLite's write lock, so they never wait for writers.
        """
        try:
            with self.engine.connect() as connection:
                if read_only:
                    connection = connection.execution_options(**{READ_ONLY: True})
                with connection.begin():
                    yield self._repositories(connection)
        except DataError as exc:
            raise errors.Invalid(f"the database refused a value: {_first_line(exc)}") from exc
        except IntegrityError as exc:
            raise errors.Conflict(
                f"the change clashes with stored data: {_first_line(exc)}"
            ) from exc
        except OperationalError as exc:
            if _is_outage(exc):
                raise errors.Unavailable("the database cannot be reached") from exc
            raise
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise errors.Unavailable("the database connection was lost") from exc
            raise

    def ping(self) -> None:
        """Raise errors.Unavailable when the database does not answer."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            raise errors.Unavailable("the database cannot be reached") from exc


class SqlStore(UnitsOfWork[SqlTransaction]):
    """Units of work holding the engine's repositories."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, SqlTransaction)


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0]


def _is_outage(exc: OperationalError) -> bool:
    # SQLite's "database is locked" after the busy timeout is an outage for the caller too.
    return exc.connection_invalidated or "locked" in str(exc.orig) or "connect" in str(exc.orig)
