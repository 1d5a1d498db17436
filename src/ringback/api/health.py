"""/health, /ready and /metrics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from ringback.api.state import core_of
from ringback.domain import errors

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict[str, str]:
    """Answer while the process runs."""
    return {"status": "ok"}


@router.get("/ready")
def ready(request: Request) -> JSONResponse:
    """Answer 200 only while the database answers."""
    try:
        core_of(request).store.ping()
    except errors.Unavailable as exc:
        return JSONResponse({"status": "unavailable", "message": exc.message}, status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Expose Prometheus metrics."""
    registry: CollectorRegistry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


class CallbackStateCollector(Collector):
    """Counts callbacks per queue and state at scrape time."""

    def __init__(self, counts: Callable[[], dict[tuple[int, str], int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "ringback_callbacks", "Callbacks per queue and state", labels=["queue", "state"]
        )
        try:
            counts = self._counts()
        except errors.Unavailable:
            counts = {}
        for (queue_id, state), count in sorted(counts.items()):
            family.add_metric([str(queue_id), state], count)
        yield family


class DispatcherCollector(Collector):
    """Exposes the counters of the dispatcher running in this process, if any."""

    def __init__(self, stats: Callable[[], dict[str, float] | None]) -> None:
        self._stats = stats

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        stats = self._stats()
        if stats is None:
            return
        dials = CounterMetricFamily(
            "ringback_dials", "Dial requests answered, by answer", labels=["answer"]
        )
        for answer in ("accepted", "transient", "permanent", "deferred"):
            dials.add_metric([answer], stats[answer])
        yield dials
        yield CounterMetricFamily("ringback_claimed", "Callbacks claimed", value=stats["claimed"])
        yield CounterMetricFamily(
            "ringback_results_unwritten", "Results lost to an outage", value=stats["unwritten"]
        )
        yield GaugeMetricFamily(
            "ringback_dials_in_flight", "Claimed, not settled", stats["in_flight"]
        )
        yield GaugeMetricFamily(
            "ringback_dispatcher_healthy", "1 while the db answers", stats["healthy"]
        )
