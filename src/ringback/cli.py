"""`ringback ...` commands; each one builds settings and the core, then hands over."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Optional, TypeVar

import typer
import uvicorn
import uvloop

from ringback import __version__, bootstrap
from ringback import demo as demo_data
from ringback.core import Core
from ringback.domain import errors
from ringback.domain.people import Principal, Profile, Rights, User
from ringback.domain.queues import QueueSettings
from ringback.settings import Settings, load_settings
from ringback.simulate import uccx as simulate_uccx
from ringback.simulate.uccx_config import SimulatorConfig
from ringback.store import migrate
from ringback.store.dispatcher_lock import DispatcherLock, DispatcherLockError

T = TypeVar("T")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

app = typer.Typer(help="ringback, a durable contact-center callback server.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Users.", no_args_is_help=True)
queue_app = typer.Typer(help="Queues.", no_args_is_help=True)
simulate_app = typer.Typer(
    help="Simulated platforms to run ringback against.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(queue_app, name="queue")
app.add_typer(simulate_app, name="simulate")

ConfigOption = Annotated[Optional[Path], typer.Option("--config", help="ringback.toml to read.")]  # noqa: UP045
DatabaseOption = Annotated[Optional[str], typer.Option("--database-url", help="SQLAlchemy URL.")]  # noqa: UP045


def _settings(config: Path | None, database_url: str | None, **flags: object) -> Settings:
    try:
        return load_settings(config, database_url=database_url, **flags)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def serve(
    host: Annotated[Optional[str], typer.Option(help="Address to listen on.")] = None,  # noqa: UP045
    port: Annotated[Optional[int], typer.Option(help="Port to listen on.")] = None,  # noqa: UP045
    database_url: DatabaseOption = None,
    config: ConfigOption = None,
    demo: Annotated[bool, typer.Option("--demo", help="Demo queues, agents and users.")] = False,
    no_dispatcher: Annotated[bool, typer.Option("--no-dispatcher", help="API only.")] = False,
) -> None:
    """Migrate the schema and serve every API on one port."""
    settings = _settings(
        config, database_url, host=host, port=port, demo=demo or None,
        dispatcher=False if no_dispatcher else None,
    )  # fmt: skip
    if settings.demo:
        settings.trusted_hosts = sorted({*settings.trusted_hosts, "127.0.0.1", "::1"})
        settings.fast_password_hash = True
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    core = bootstrap.build_core(settings)
    credentials = bootstrap.prepare(core)
    wings = bootstrap.build_wings(core)
    if settings.demo:
        credentials = demo_data.prepare(core, wings, credentials)
    if settings.dispatcher:
        _check_dispatcher_lock(settings)
    _announce(settings, credentials)
    uvicorn.run(bootstrap.build_app(core, wings), host=settings.host,
                port=settings.port, log_level=settings.log_level.lower(),
                timeout_graceful_shutdown=10)  # fmt: skip


def _announce(settings: Settings, credentials: bootstrap.Credentials) -> None:
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"ringback {__version__} on {base}")
    typer.echo(f"  native API   {base}/api/v1   docs {base}/api/v1/docs")
    typer.echo(f"  OpenAPI      {base}/api/v1/openapi.json")
    typer.echo(f"  health       {base}/health   {base}/ready   {base}/metrics")
    typer.echo(f"  UCCX         {base}/callbackmanagement?operation=checkserverstatus")
    typer.echo(f"  XiVO         {base}/configmgt/api/1.0   {base}/xuc/api/2.0   {base}/xuc/api/1.0")
    typer.echo(f"  GMS, Ameyo   {base}/genesys/1   {base}/ameyorestapi")
    if credentials.admin_password:
        typer.echo(f"  admin        login admin, password {credentials.admin_password}")
    if credentials.service_token:
        typer.echo(f"  service token  {credentials.service_token}")
    if credentials.demo_password:
        typer.echo(
            f"  supervisor   login supervisor, password {credentials.demo_password} (queue 1)"
        )
    for item in credentials.created:
        typer.echo(f"  created {item}")
    if not (credentials.admin_password or credentials.service_token):
        typer.echo("  credentials: as configured or printed at the first start")


def _check_dispatcher_lock(settings: Settings) -> None:
    probe = DispatcherLock(settings.database_url)
    try:
        probe.acquire()
    except DispatcherLockError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    probe.release()


@app.command()
def dispatch(database_url: DatabaseOption = None, config: ConfigOption = None) -> None:
    """Run only the dispatcher (no HTTP); stops on SIGTERM or SIGINT."""
    settings = _settings(config, database_url)
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT)
    core = bootstrap.build_core(settings)
    migrate.upgrade(core.store.engine)
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_dispatch_until_signal(core))
    except DispatcherLockError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc


async def _dispatch_until_signal(core: Core) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    runtime = bootstrap.build_runtime(core)
    await runtime.start()
    typer.echo(f"dispatcher {runtime.dispatcher.owner} running; SIGTERM stops it")
    await stop.wait()
    await runtime.stop()


@db_app.command("upgrade")
def db_upgrade(
    database_url: DatabaseOption = None,
    config: ConfigOption = None,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the schema up to date."""
    settings = _settings(config, database_url)
    core = bootstrap.build_core(settings)
    migrate.upgrade(core.store.engine, revision)
    typer.echo(f"schema of {core.store.engine.url.render_as_string()} is at {revision}")


@user_app.command("add")
def user_add(
    login: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    profile: Annotated[
        Profile, typer.Option(help="admin, supervisor or teacher.")
    ] = Profile.SUPERVISOR,
    queue: Annotated[Optional[list[int]], typer.Option(help="Queue id the user may see.")] = None,  # noqa: UP045
    firstname: str = "",
    name: str = "",
    database_url: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a user."""
    settings = _settings(config, database_url)
    core = bootstrap.build_core(settings)
    migrate.upgrade(core.store.engine)
    user = User(login=login, profile=profile, firstname=firstname, name=name,
                rights=Rights(queue_ids=tuple(queue or ())))  # fmt: skip
    _run(lambda: core.users.create(Principal.service(), user, password))
    typer.echo(f"user {login} added ({profile.value})")


@queue_app.command("add")
def queue_add(
    name: str,
    queue_id: Annotated[Optional[int], typer.Option("--id", help="Queue id.")] = None,  # noqa: UP045
    timezone: str = "UTC",
    hours: Annotated[Optional[list[str]], typer.Option(help="e.g. 'Mon-Fri 09:00-17:00'.")] = None,  # noqa: UP045
    database_url: DatabaseOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a queue with default settings."""
    settings = _settings(config, database_url)
    core = bootstrap.build_core(settings)
    migrate.upgrade(core.store.engine)
    queue_settings = QueueSettings(name=name, timezone=timezone, business_hours=tuple(hours or ()))
    queue = _run(lambda: core.queues.create(Principal.service(), queue_settings, queue_id))
    typer.echo(f"queue {queue.name} added with id {queue.id}")


@simulate_app.command("uccx")
def simulate_uccx_command(
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 9080,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    callback_server: Annotated[
        str, typer.Option(help="ringback's base URL, where updaterecord and addrecord go.")
    ] = "http://127.0.0.1:9000",
    user: Annotated[str, typer.Option(help="ringback user for HTTP Basic.")] = "",
    password: Annotated[
        str, typer.Option(envvar="RINGBACK_SIMULATOR_PASSWORD", help="That user's password.")
    ] = "",
    token: Annotated[
        str, typer.Option(envvar="RINGBACK_SIMULATOR_TOKEN", help="Bearer token instead.")
    ] = "",
    csq: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(help="A CSQ and its agents, NAME:AGENTS (repeatable; default Main:3)."),
    ] = None,
    prefix: Annotated[str, typer.Option(help="Path of the send-back trigger.")] = "callback",
    handle_seconds: Annotated[float, typer.Option(min=0.0, help="Length of a call.")] = 20.0,
    route_delay_seconds: Annotated[
        float, typer.Option(min=0.0, help="Time a ready agent waits before taking a contact.")
    ] = 1.0,
    step_seconds: Annotated[
        float, typer.Option(min=0.0, help="Time between two steps of the re-entry script.")
    ] = 0.5,
    refuse_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Triggers refused (Code -1).")
    ] = 0.0,
    silent_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Triggers never answered.")
    ] = 0.0,
    ivr_failure_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Taken, then IVR_FAILURE.")
    ] = 0.0,
    abandon_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Taken, then AGENTABANDONED.")
    ] = 0.0,
    silence_seconds: Annotated[
        float, typer.Option(min=0.0, help="How long an unanswered trigger is held.")
    ] = 30.0,
    arrivals_per_minute: Annotated[
        float, typer.Option(min=0.0, help="Live callers arriving per CSQ and minute.")
    ] = 0.0,
    callback_share: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of them who then ask for a callback.")
    ] = 0.0,
    patience_seconds: Annotated[
        float, typer.Option(min=0.0, help="Time in queue before they ask.")
    ] = 10.0,
    seed: Annotated[Optional[int], typer.Option(help="Seed of the random draws.")] = None,  # noqa: UP045
) -> None:
    """Run a simulated UCCX master node (/stats and the send-back trigger) until SIGTERM."""
    try:
        config = SimulatorConfig(
            host=host, port=port, callback_server=callback_server, user=user, password=password,
            token=token, agents_per_csq=_csq_agents(csq or ["Main:3"]), prefix=prefix,
            handle_seconds=handle_seconds, route_delay_seconds=route_delay_seconds,
            step_seconds=step_seconds, refuse_rate=refuse_rate, silent_rate=silent_rate,
            ivr_failure_rate=ivr_failure_rate, abandon_rate=abandon_rate,
            silence_seconds=silence_seconds, arrivals_per_minute=arrivals_per_minute,
            callback_share=callback_share, patience_seconds=patience_seconds, seed=seed,
        )  # fmt: skip
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    logging.basicConfig(level="INFO", format=LOG_FORMAT)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_simulate_until_signal(config))


def _csq_agents(specs: list[str]) -> dict[str, int]:
    """Read NAME:AGENTS (or NAME, three agents) options."""
    agents: dict[str, int] = {}
    for spec in specs:
        name, _, count = spec.rpartition(":") if ":" in spec else (spec, "", "3")
        if not name.strip() or not count.isdigit():
            raise typer.BadParameter(f"--csq {spec!r}: expected NAME:AGENTS, e.g. Main:3")
        agents[name.strip()] = int(count)
    return agents


async def _simulate_until_signal(config: SimulatorConfig) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    simulator, server, ticker = await simulate_uccx.start(config)
    base = f"http://{config.host}:{simulate_uccx.bound_port(server)}"
    typer.echo(f"UCCX simulator on {base}")
    typer.echo(f"  stats        {base}/stats?CSQ=<name>   {base}/stats?sessionid=<id>")
    typer.echo(f"  send-back    {base}/{config.prefix.strip('/')}?id=...")
    typer.echo(f"  control      {base}/simulator/state   POST {base}/simulator/contacts")
    typer.echo(f"  reports to   {config.callback_server.rstrip('/')}/callbackmanagement")
    await stop.wait()
    await simulate_uccx.stop(simulator, server, ticker)


@app.command()
def version() -> None:
    """Print ringback's version."""
    typer.echo(__version__)


def _run(action: Callable[[], T]) -> T:
    try:
        return action()
    except errors.RingbackError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(code=1) from exc


def main() -> None:
    """Entry point of the `ringback` script."""
    app()
