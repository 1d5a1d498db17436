"""A simulated UCCX master node: `ringback simulate uccx --port N`.

It serves the UCCX side of shared/spec/uccx-callback-server-api.txt over HTTP:
- ``GET /stats?CSQ=<name>``: the CSQ's live figures as the document's ``<CSQStats>``;
- ``GET /stats?sessionid=<id>``: the CSQ a contact is queued in (``<csq></csq>`` when none);
- ``GET /<prefix>?id=...&dnis=...&targetcsq=...``: the send-back trigger, answering Code 0 or -1.

After taking a callback it plays the re-entry script, reporting each step to the Callback Server
(ringback) through ``updaterecord``: REQUESTED, QUEUED, AGENTACKNOWLEDGED and DIALINGTARGET, then
COMPLETED, or a failure (IVR_FAILURE, AGENTABANDONED), or it refuses the trigger (Code -1) or
never answers it, each at its configured rate, drawn from a seeded generator.

A small JSON control API under ``/simulator/`` queues live callers, lets one of them leave the
queue with ``addrecord`` (as the caller-facing script does), and shows the event log.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import itertools
import json
import logging
import math
import random
import time
from collections.abc import Coroutine, Mapping
from typing import Any

import aiohttp
from aiohttp import web

import ringback
from ringback.simulate.uccx_config import Plan, SimulatorConfig
from ringback.simulate.uccx_model import Agent, Contact, ContactCenter, CsqFigures
from ringback.simulate.uccx_wire import csq_stats, read_answer, response, session_answer

log = logging.getLogger("ringback.simulate.uccx")
XML_TYPE = "text/xml"
CUSTOM_VARS = tuple(f"customvar{i}" for i in range(1, 6))
#: the fields of a contact that addrecord and the trigger carry
#: the longest a caller may be said to have waited already (a day)
MAX_WAIT_SECONDS = 86_400
RECORD_FIELDS = ("dnis", "prompt", "implid", "contactid", "language", *CUSTOM_VARS)


class UccxSimulator:
    """The simulated master node: its contact center, its HTTP answers, its scripts."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.center = ContactCenter(
            dict(config.agents_per_csq), handle_seconds=config.handle_seconds,
            route_delay_seconds=config.route_delay_seconds, on_connect=self._connected,
        )  # fmt: skip
        self.events: list[dict[str, Any]] = []
        self._rng = random.Random(config.seed)
        self._sessions = itertools.count(1)
        self._taken_keys: set[str] = set()
        self._agent_for: dict[str, asyncio.Future[Agent]] = {}
        self._scripts: set[asyncio.Task[None]] = set()
        self._client: aiohttp.ClientSession | None = None
        self._stopping = asyncio.Event()
        self._last_figures: dict[str, CsqFigures] = {}
        # Arrivals draw from their own generator: turning them on changes no failure plan.
        self._traffic = random.Random(None if config.seed is None else config.seed + 1)
        self._next_arrival: dict[str, float] = {}

    # --- the UCCX side of the document -------------------------------------------------------

    async def stats(self, request: web.Request) -> web.Response:
        """``/stats?CSQ=`` (CSQStats) or ``/stats?sessionid=`` (the contact's CSQ)."""
        now = self._advance()
        # Parameter names are matched in any case (CSQ, csq, SessionID), as UCCX's scripts do.
        query = {key.lower(): value for key, value in request.query.items()}
        if "csq" in query:
            name = query["csq"]
            figures = self.center.figures(name, now)
            if figures is not None and self._last_figures.get(name) != figures:
                # Logged when they change only: the log shows what each poller could see.
                self._last_figures[name] = figures
                self._log("stats", csq=name, **dataclasses.asdict(figures))
            return _xml(csq_stats(name, figures))
        session_id = query.get("sessionid", "").strip()
        if not session_id:
            return _xml(session_answer(None))
        csq = self.center.queued_in(session_id)
        self._log("lookup", sessionid=session_id, csq=csq)
        return _xml(session_answer(csq))

    async def trigger(self, request: web.Request) -> web.Response:
        """The send-back trigger: take the callback (Code 0) or refuse it (Code -1)."""
        self._advance()
        params = {key: request.query.get(key, "") for key in ("id", "targetcsq", "dialkey")}
        missing = [key for key in ("id", "targetcsq") if not params[key]]
        if not request.query.get("dnis"):
            missing.insert(1, "dnis")
        if missing:
            return self._refused(params, f"missing parameter {', '.join(missing)}")
        if params["targetcsq"] not in self.center.csqs:
            return self._refused(params, f"CSQ {params['targetcsq']} does not exist")
        if params["dialkey"] and params["dialkey"] in self._taken_keys:
            self._log("trigger", **params, plan="repeat", code=0)
            return _xml(response("", 0))  # a repeat of a request already taken: nothing to do
        plan = self.config.choose(self._rng)
        if plan is Plan.REFUSE:
            return self._refused(params, "simulated failure: the script refused the callback")
        if plan is Plan.SILENT:
            self._log("trigger", **params, plan=plan.value, code=None)
            await self._silence()
            return _xml(response("simulated failure: answered too late", -1))
        if params["dialkey"]:
            self._taken_keys.add(params["dialkey"])
        self._log("trigger", **params, plan=plan.value, code=0)
        fields = {key: request.query.get(key, "") for key in RECORD_FIELDS}
        self._spawn(self._play(params["id"], params["targetcsq"], fields, plan))
        return _xml(response("", 0))

    def _refused(self, params: dict[str, str], description: str) -> web.Response:
        self._log("trigger", **params, plan=Plan.REFUSE.value, code=-1, description=description)
        return _xml(response(description, -1))

    async def _silence(self) -> None:
        """Hold the answer back (the caller should time out first), ending early on shutdown."""
        await _wait(self._stopping, self.config.silence_seconds)

    # --- the re-entry script -----------------------------------------------------------------

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._scripts.add(task)
        task.add_done_callback(self._scripts.discard)

    async def _play(self, record_id: str, csq: str, fields: dict[str, str], plan: Plan) -> None:
        """Report the callback's way through UCCX, as the re-entry script would."""
        await self._step()
        await self.report(record_id, "REQUESTED")
        if plan is Plan.IVR_FAILURE:
            await self._step()
            await self.report(record_id, "IVR_FAILURE")
            return
        session_id = f"cb-{next(self._sessions)}"
        agent_found: asyncio.Future[Agent] = asyncio.get_running_loop().create_future()
        self._agent_for[session_id] = agent_found
        self.center.queue(Contact(session_id, csq, time.time(), record_id, fields))
        await self.report(record_id, "QUEUED")
        agent = await agent_found
        await self.report(record_id, "AGENTACKNOWLEDGED", agent.name)
        await self._step()
        if plan is Plan.ABANDON:
            self.center.release(agent.name, time.time())
            await self.report(record_id, "AGENTABANDONED", agent.name)
            return
        await self.report(record_id, "DIALINGTARGET", agent.name)
        await self._step()
        await self.report(record_id, "COMPLETED", agent.name)

    async def _step(self) -> None:
        await asyncio.sleep(self.config.step_seconds)

    def _connected(self, contact: Contact, agent: Agent, now: float) -> None:
        waited = now - contact.queued_at
        self._log("connected", sessionid=contact.session_id, csq=contact.csq,
                  record_id=contact.record_id, agent=agent.name, waited=waited)  # fmt: skip
        found = self._agent_for.pop(contact.session_id, None)
        if found is not None and not found.done():
            found.set_result(agent)

    # --- talking to the Callback Server ------------------------------------------------------

    async def report(self, record_id: str, status: str, agent_id: str = "") -> tuple[int, str]:
        """``updaterecord`` on the Callback Server; return its Code and Description."""
        params = {"operation": "updaterecord", "id": record_id, "status": status}
        if agent_id:
            params["agentid"] = agent_id
        code, description = await self._callback_server(params)
        self._log("report", id=record_id, status=status, agentid=agent_id, code=code,
                  description=description)  # fmt: skip
        return code, description

    async def _callback_server(self, params: dict[str, str]) -> tuple[int, str]:
        url = self.config.callback_server.rstrip("/") + "/callbackmanagement"
        timeout = aiohttp.ClientTimeout(total=self.config.report_timeout_seconds)
        try:
            async with self._http().get(url, params=params, timeout=timeout) as answer:
                body = await answer.read()
                status = answer.status
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            return -1, f"Callback Server unreachable: {exc!r}"
        return read_answer(body, status)

    def _http(self) -> aiohttp.ClientSession:
        if self._client is None:
            headers = {"User-Agent": f"ringback-uccx-simulator/{ringback.__version__}"}
            if self.config.token:
                headers["Authorization"] = f"Bearer {self.config.token}"
            elif self.config.user:
                pair = f"{self.config.user}:{self.config.password}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
            self._client = aiohttp.ClientSession(headers=headers, trust_env=False)
        return self._client

    # --- the control API ---------------------------------------------------------------------

    async def add_contact(self, request: web.Request) -> web.Response:
        """``POST /simulator/contacts {csq, sessionid?, waited_seconds?}``: a live caller queues."""
        body = await _json_body(request)
        csq = str(body.get("csq", ""))
        if csq not in self.center.csqs:
            return _json({"error": f"CSQ {csq!r} does not exist"}, 404)
        try:
            waited = float(body.get("waited_seconds", 0))
        except (TypeError, ValueError):
            waited = math.nan
        if not 0 <= waited <= MAX_WAIT_SECONDS:  # also refuses NaN
            return _json({"error": f"waited_seconds must be 0 to {MAX_WAIT_SECONDS}"}, 400)
        session_id = str(body.get("sessionid") or f"live-{next(self._sessions)}")
        if self.center.queued_in(session_id):
            return _json({"error": f"session {session_id} is already queued"}, 409)
        contact = Contact(session_id, csq, time.time() - waited)
        self.center.queue(contact)
        self._log("queued", sessionid=session_id, csq=csq, queued_at=contact.queued_at)
        self._advance()
        return _json({"sessionid": session_id, "csq": csq, "queued_at": contact.queued_at}, 201)

    async def leave_with_callback(self, request: web.Request) -> web.Response:
        """``POST /simulator/contacts/{sessionid}/callback {id, dnis, ...}``: addrecord, hang up."""
        body = await _json_body(request)
        answer = await self.leave(request.match_info["sessionid"], body)
        if answer is None:
            return _json({"error": "no contact with that session id is queued"}, 404)
        return _json({"code": answer[0], "description": answer[1]})

    async def hang_up(self, request: web.Request) -> web.Response:
        """``DELETE /simulator/contacts/{sessionid}``: a queued caller hangs up, asking nothing."""
        contact = self.center.leave(request.match_info["sessionid"])
        if contact is None:
            return _json({"error": "no contact with that session id is queued"}, 404)
        self._log("hangup", sessionid=contact.session_id, csq=contact.csq)
        return _json({"sessionid": contact.session_id, "csq": contact.csq})

    async def leave(self, session_id: str, fields: Mapping[str, Any]) -> tuple[int, str] | None:
        """A queued caller asks for a callback (addrecord) and hangs up; None when not queued.

        The caller leaves the queue first, so that the Callback Server never sees the session
        queued for a record it has; if addrecord is refused the caller is queued again.
        """
        contact = self.center.leave(session_id)
        if contact is None:
            return None
        params = {
            "operation": "addrecord", "id": str(fields.get("id", "")), "targetcsq": contact.csq,
            "origincsq": contact.csq, "sessionid": contact.session_id,
            "queuestarttime": str(int(contact.queued_at * 1000)),
            **{key: str(fields[key]) for key in RECORD_FIELDS if key in fields},
        }  # fmt: skip
        code = -1
        try:
            code, description = await self._callback_server(params)
        finally:
            # Refused, failed, or cut short by the simulator stopping: the caller stays queued.
            if code != 0:
                self.center.queue(contact)
        self._log("addrecord", id=params["id"], sessionid=contact.session_id, code=code,
                  description=description)  # fmt: skip
        return code, description

    # --- live callers arriving on their own (--arrivals-per-minute) --------------------------

    def _arrivals(self, now: float) -> None:
        """Queue the live callers who arrived by `now`: a Poisson stream per CSQ."""
        rate = self.config.arrivals_per_minute / 60.0
        if rate <= 0:
            return
        for csq in self.center.csqs:
            due = self._next_arrival.setdefault(csq, now + self._traffic.expovariate(rate))
            while due <= now:
                self._arrive(csq, due)
                due += self._traffic.expovariate(rate)
            self._next_arrival[csq] = due

    def _arrive(self, csq: str, at: float) -> None:
        session_id = f"live-{next(self._sessions)}"
        dnis = f"555{self._traffic.randrange(10_000):04d}"
        self.center.queue(Contact(session_id, csq, at))
        self._log("queued", sessionid=session_id, csq=csq, queued_at=at)
        if self._traffic.random() < self.config.callback_share:
            self._spawn(self._ask_for_callback(session_id, dnis))

    async def _ask_for_callback(self, session_id: str, dnis: str) -> None:
        """After --patience-seconds still queued, the caller leaves with a callback."""
        await asyncio.sleep(self.config.patience_seconds)
        if self.center.queued_in(session_id):
            await self.leave(session_id, {"id": f"sim-{session_id}", "dnis": dnis})

    async def state(self, request: web.Request) -> web.Response:
        """``GET /simulator/state``: agents, queues and the event log."""
        now = self._advance()
        return _json({"csqs": self.center.snapshot(now), "events": self.events})

    # --- running -----------------------------------------------------------------------------

    def app(self) -> web.Application:
        """Return the HTTP application."""
        app = web.Application()
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/" + self.config.prefix.strip("/"), self.trigger)
        app.router.add_post("/simulator/contacts", self.add_contact)
        app.router.add_post("/simulator/contacts/{sessionid}/callback", self.leave_with_callback)
        app.router.add_delete("/simulator/contacts/{sessionid}", self.hang_up)
        app.router.add_get("/simulator/state", self.state)
        return app

    async def tick(self) -> None:
        """Route contacts as agents free up, until stopped."""
        while not self._stopping.is_set():
            self._arrivals(self._advance())
            await _wait(self._stopping, self.config.tick_seconds)

    async def close(self) -> None:
        """Stop the scripts and the client."""
        self._stopping.set()
        for task in list(self._scripts):
            task.cancel()
        await asyncio.gather(*self._scripts, return_exceptions=True)
        if self._client is not None:
            await self._client.close()

    def _advance(self) -> float:
        now = time.time()
        self.center.advance(now)
        return now

    def _log(self, kind: str, **details: Any) -> None:
        self.events.append({"at": time.time(), "kind": kind, **details})
        log.info("%s %s", kind, details)


async def start(config: SimulatorConfig) -> tuple[UccxSimulator, web.AppRunner, asyncio.Task[None]]:
    """Start the simulator's server and routing; return them, the bound port in the runner."""
    simulator = UccxSimulator(config)
    runner = web.AppRunner(simulator.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, config.port).start()
    ticker = asyncio.create_task(simulator.tick(), name="uccx-simulator-tick")
    return simulator, runner, ticker


async def stop(simulator: UccxSimulator, runner: web.AppRunner, ticker: asyncio.Task[None]) -> None:
    """Stop what `start` started."""
    await simulator.close()
    await ticker
    await runner.cleanup()


def bound_port(runner: web.AppRunner) -> int:
    """Return the port the simulator listens on (useful after asking for port 0)."""
    return int(runner.addresses[0][1])


async def _wait(event: asyncio.Event, seconds: float) -> None:
    """Wait until `event` is set, or `seconds` have passed."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout=seconds)


def _xml(text: str) -> web.Response:
    return web.Response(text=text, content_type=XML_TYPE, charset="utf-8")


def _json(value: Any, status: int = 200) -> web.Response:
    return web.json_response(value, status=status)


async def _json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read() if request.can_read_body else b""
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise web.HTTPBadRequest(text="the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body must be a JSON object")
    return body
