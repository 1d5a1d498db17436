"""The xuc 1.0 wing's wiring: its phone service, its application and its eventUrl feed."""

from __future__ import annotations

from starlette.routing import Mount

from ringback.core import Core, Wing
from ringback.dialects.xuc_legacy import http, sql
from ringback.dialects.xuc_legacy.events import XucEventFeed, XucEventStore
from ringback.dialects.xuc_legacy.service import PhoneConfig, PhoneService, PhoneStore
from ringback.domain.hours import zone
from ringback.services.ports import PhoneControl
from ringback.settings import Settings
from ringback.telephony.phone_simulator import PhoneSimulator, PhoneSimulatorConfig

PREFIX = "/xuc/api/1.0"


class XucLegacyDialect:
    """The deprecated xuc 1.0 phone-control APIs, and the events POSTed to xuc's eventUrl."""

    name = "xuc_legacy"
    prefix = PREFIX

    def build(self, core: Core) -> Wing:
        """Wire the phone service and the eventUrl feed to `core`; serve the 1.0 methods."""
        store = sql.units_of_work(core)
        app = http.build(
            phone_service(core, store),
            allowed_hosts=frozenset(core.settings.deprecated_api_hosts),
            zone=zone(core.settings.timezone),
        )
        feeds = event_feeds(core, store)
        return Wing(name=self.name, routes=[Mount(self.prefix, app)], feeds=feeds)


def phone_service(core: Core, store: PhoneStore | None = None) -> PhoneService:
    """Return the 1.0 phone use cases on `core`, set up by its settings."""
    settings = core.settings
    config = PhoneConfig(
        region=settings.xuc_default_region.upper(),
        first_line=settings.xuc_first_line,
        events=bool(settings.xuc_event_url),
    )
    control = phone_control(settings)
    return PhoneService(store or sql.units_of_work(core), core.clock, control, core.users, config)


def phone_control(settings: Settings) -> PhoneControl:
    """Return the telephony side of phone control: the simulated phones, as `settings` tune them."""
    return PhoneSimulator(
        PhoneSimulatorConfig(
            answer_rate=settings.simulator_answer_rate,
            ring_seconds=settings.simulator_ring_seconds,
            no_answer_seconds=settings.xuc_no_answer_seconds,
            talk_seconds=settings.simulator_handle_seconds,
        )
    )


def event_feeds(core: Core, store: XucEventStore | None = None) -> tuple[XucEventFeed, ...]:
    """Return the eventUrl feed when `core`'s settings name an eventUrl, else none."""
    settings = core.settings
    if not settings.xuc_event_url:
        return ()
    secret = settings.xuc_event_secret.get_secret_value() if settings.xuc_event_secret else None
    feed = XucEventFeed(
        store or sql.units_of_work(core), core.clock, url=settings.xuc_event_url, secret=secret
    )
    return (feed,)


DIALECT = XucLegacyDialect()
