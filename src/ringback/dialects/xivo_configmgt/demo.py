"""The XiVO data of `ringback serve --demo`: preferred periods, and a list on queue Main.

Made through the wing's use cases like any client would; a list that exists already is left as
it is (its requests may have been worked since), so a restart adds nothing. Queue Main (1) is
the engine's demo data, made before any wing's.
"""

from __future__ import annotations

import uuid
from datetime import time

from ringback.dialects.xivo_configmgt.model import Period
from ringback.dialects.xivo_configmgt.requests import RequestFields, RequestService
from ringback.dialects.xivo_configmgt.service import ListService
from ringback.domain.people import Principal

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


def provision(lists: ListService, requests: RequestService) -> list[str]:
    """Create the missing demo periods, and the demo list with its requests if it is missing."""
    actor = Principal.service()
    created: list[str] = []
    known_periods = {p.name for p in lists.periods()}
    for name, start, end, default in DEMO_PERIODS:
        if name not in known_periods:
            lists.create_period(actor, Period(uuid.uuid4(), name, start, end, default))
            created.append(f"XiVO period {name}")
    if any(v.callback_list.name == DEMO_LIST for v in lists.lists(actor)):
        return created
    demo_list = lists.create_list(actor, DEMO_LIST, DEMO_LIST_QUEUE).callback_list
    for fields in DEMO_REQUESTS:
        requests.create_request(actor, demo_list.uuid, fields)
    created.append(f"XiVO list {DEMO_LIST} ({len(DEMO_REQUESTS)} requests)")
    return created
