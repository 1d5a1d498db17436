"""The demo data of `ringback serve --demo`: two queues, agents, a supervisor, then the wings'.

The engine's demo data comes first (the wings' lean on it: XiVO's demo list is on queue Main),
then each wing's `demo` hook, in the order of the dialects. Whatever exists already is left as
it is, so a restart adds nothing. Run from the CLI, after bootstrap.prepare.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from ringback import bootstrap
from ringback.core import Core, Wing
from ringback.domain.people import Agent, Membership, Principal, Profile, Rights, User
from ringback.domain.queues import DispatchMode, QueueSettings
from ringback.services import setup
from ringback.services.agents import AgentService
from ringback.services.queues import QueueService
from ringback.services.users import UserService

DEMO_SUPERVISOR = "supervisor"
DEMO_QUEUES = (
    (1, QueueSettings(name="Main", timezone="Europe/Paris", dispatch_mode=DispatchMode.POSITION)),
    (2, QueueSettings(name="Support", aliases=("support-callback",), timezone="Europe/Paris")),
)
DEMO_AGENTS = (
    Agent(1, "Alice", "Martin", "1001", queues=(Membership(1), Membership(2, 1))),
    Agent(2, "Bob", "Durand", "1002", queues=(Membership(1),)),
    Agent(3, "Chloe", "Bernard", "1003", queues=(Membership(2),)),
)


def prepare(
    core: Core, wings: Sequence[Wing], credentials: bootstrap.Credentials
) -> bootstrap.Credentials:
    """Add the missing demo data; return the credentials with the supervisor's new password."""
    password = secrets.token_urlsafe(9)
    created = provision(core.queues, core.agents, core.users, password)
    for wing in wings:
        if wing.demo is not None:
            created += wing.demo()
    # The demo prints working credentials at every start: the supervisor's are set anew.
    setup.reset_password(core.store, core.hasher, DEMO_SUPERVISOR, password)
    credentials.demo_password = password
    credentials.created = created
    return credentials


def provision(
    queues: QueueService, agents: AgentService, users: UserService, supervisor_password: str
) -> list[str]:
    """Create whatever engine demo data is missing; return what was created."""
    actor = Principal.service()
    created: list[str] = []
    known_queues = {q.id for q in queues.list(actor)}
    for queue_id, settings in DEMO_QUEUES:
        if queue_id not in known_queues:
            queues.create(actor, settings, queue_id=queue_id)
            created.append(f"queue {settings.name}")
    known_agents = {a.id for a in agents.list(actor)}
    for agent in DEMO_AGENTS:
        if agent.id not in known_agents:
            agents.create(actor, agent)
            created.append(f"agent {agent.firstname}")
    if DEMO_SUPERVISOR not in {u.login for u in users.list(actor)}:
        supervisor = User(
            login=DEMO_SUPERVISOR, profile=Profile.SUPERVISOR, firstname="Sam",
            name="Supervisor", rights=Rights(queue_ids=(1,)),
        )  # fmt: skip
        users.create(actor, supervisor, supervisor_password)
        created.append("user supervisor")
    return created
