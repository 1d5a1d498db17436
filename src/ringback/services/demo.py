"""The demo data of `ringback serve --demo`: two queues, agents, a supervisor, and XiVO data.

XiVO's config-mgt dialect gets preferred periods and one callback list on queue Main with a few
requests, made through the XiVO use cases like any client would; a list that exists already is
left as it is (its requests may have been worked since), so a restart adds nothing.
"""

from __future__ import annotations

import uuid
from datetime import time

from ringback.domain.lists import Period
from ringback.domain.people import Agent, Membership, Principal, Profile, Rights, User
from ringback.domain.queues import DispatchMode, QueueSettings
from ringback.services.agents import AgentService
from ringback.services.queues import QueueService
from ringback.services.users import UserService
from ringback.services.xivo_configmgt import XivoConfigMgtService
from ringback.services.xivo_requests import RequestFields

DEMO_SUPERVISOR = "supervisor"
DEMO_QUEUES = (
    (1, QueueSettings(name="Main", timezone="Europe/Paris", dispatch_mode=DispatchMode.POSITION)),
    (2, QueueSettings(name="Support", aliases=("support-callback",), timezone="Europe/Paris")),
)
DEMO_PERIODS = (
    ("Toute la journée", time(9), time(17), True),
    ("Matin", time(9), time(12), False),
    ("Après-midi", time(14), time(17), False),
)
DEMO_LIST = "Rappels clients"
DEMO_LIST_QUEUE = 1
DEMO_REQUESTS = (
    RequestFields(phone_number="+33230210092", mobile_phone_number="+33689746321",
                  first_name="John", last_name="Doe", company="MyCompany",
                  description="Call back quickly"),
    RequestFields(phone_number="+33298765432", first_name="Jack", company="Cie",
                  period="Matin"),
    RequestFields(phone_number="+33587963214", first_name="Alice", last_name="O'Neill",
                  company="YourSociety", period="Après-midi"),
)  # fmt: skip
DEMO_AGENTS = (
    Agent(1, "Alice", "Martin", "1001", queues=(Membership(1), Membership(2, 1))),
    Agent(2, "Bob", "Durand", "1002", queues=(Membership(1),)),
    Agent(3, "Chloe", "Bernard", "1003", queues=(Membership(2),)),
)


def provision(
    queues: QueueService,
    agents: AgentService,
    users: UserService,
    supervisor_password: str,
    xivo: XivoConfigMgtService | None = None,
) -> list[str]:
    """Create whatever demo data is missing; return what was created."""
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
    if xivo is not None:
        created += provision_xivo(xivo)
    return created


def provision_xivo(xivo: XivoConfigMgtService) -> list[str]:
    """Create the missing demo periods, and the demo list with its requests if it is missing."""
    actor = Principal.service()
    created: list[str] = []
    known_periods = {p.name for p in xivo.periods()}
    for name, start, end, default in DEMO_PERIODS:
        if name not in known_periods:
            xivo.create_period(actor, Period(uuid.uuid4(), name, start, end, default))
            created.append(f"XiVO period {name}")
    if any(v.callback_list.name == DEMO_LIST for v in xivo.lists(actor)):
        return created
    demo_list = xivo.create_list(actor, DEMO_LIST, DEMO_LIST_QUEUE).callback_list
    for fields in DEMO_REQUESTS:
        xivo.create_request(actor, demo_list.uuid, fields)
    created.append(f"XiVO list {DEMO_LIST} ({len(DEMO_REQUESTS)} requests)")
    return created
