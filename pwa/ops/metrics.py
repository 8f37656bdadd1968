"""GET /metrics: the request metrics of every web process, and what the database says, in the
Prometheus text format (prometheus-client)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from pwa.db import Database
from pwa.models import utcnow
from pwa.ops import figures

log = logging.getLogger("pwa.ops")
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


class DatabaseFigures(Collector):
    """Gauges and counters read from the database when scraped (one read transaction)."""

    def __init__(self, database: Database, now: datetime) -> None:
        self.database, self.now = database, now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("pwa_database_up", "1 if the database answered this scrape")
        try:
            with self.database.read() as session:
                box, sums = figures.outbox(session, self.now), figures.totals(session)
        except Exception as exc:  # the scrape itself must still answer, saying the database did not
            log.warning("metrics: database unreachable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily("pwa_outbox_queued", "Push messages waiting in the outbox", value=box.queued)
        yield GaugeMetricFamily(
            "pwa_outbox_oldest_age_seconds", "Age of the oldest message waiting in the outbox", value=box.oldest_age
        )
        yield GaugeMetricFamily(
            "pwa_outbox_overdue_seconds", "How long the most overdue due message has waited", value=box.overdue
        )
        deliveries = CounterMetricFamily(
            "pwa_push_deliveries", "Push deliveries finished, by outcome", labels=["outcome"]
        )
        for outcome, count in sorted(sums.deliveries.items()):
            deliveries.add_metric([outcome], count)
        yield deliveries
        yield CounterMetricFamily("pwa_bookings", "Pickups booked", value=sums.bookings)
        pickups = GaugeMetricFamily("pwa_pickups", "Pickups by current status", labels=["status"])
        for status, count in sorted(sums.pickups.items()):
            pickups.add_metric([status], count)
        yield pickups
        yield CounterMetricFamily("pwa_reminders_sent", "Payment day reminders sent", value=sums.reminders)
        yield CounterMetricFamily(
            "pwa_reminder_recipients", "Devices the payment day reminders reached", value=sums.reminder_recipients
        )


def scrape(database: Database) -> bytes:
    """The exposition: this process's metrics (or every web process's, in multiprocess mode) and the database's."""
    figures_registry = CollectorRegistry(auto_describe=False)
    figures_registry.register(DatabaseFigures(database, utcnow()))
    if os.environ.get(MULTIPROCESS_ENV):
        processes = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        return generate_latest(processes) + generate_latest(figures_registry)
    return generate_latest(REGISTRY) + generate_latest(figures_registry)
