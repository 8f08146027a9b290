"""One sync cycle. Data flows one way: read the calendar, plan, record, write, nudge.

Nudges come from the local outbox, so they go out on time even when the calendar is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from reconnectd import ical
from reconnectd.calendar import CalendarClient, Conflict
from reconnectd.config import Config
from reconnectd.errors import CalendarError
from reconnectd.model import CheckInStatus
from reconnectd.notify import Notifier
from reconnectd.plan import Plan, Planned, plan
from reconnectd.reconcile import Create, Delete, Update, observe, reconcile
from reconnectd.state import Store

log = logging.getLogger(__name__)


@dataclass
class CycleReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped_by_user: int = 0
    conflicts: int = 0
    nudges_sent: int = 0
    delivery_failures: list[str] = field(default_factory=list)
    calendar_error: str | None = None

    @property
    def wrote(self) -> int:
        return self.created + self.updated + self.deleted

    def summary(self) -> str:
        parts = [f"calendar: {self.created} created, {self.updated} updated, {self.deleted} removed"]
        if self.skipped_by_user:
            parts.append(f"{self.skipped_by_user} deleted by you (skipped)")
        if self.calendar_error:
            parts.append(f"calendar unavailable: {self.calendar_error}")
        parts.append(f"nudges: {self.nudges_sent} sent")
        if self.delivery_failures:
            parts.append(f"{len(self.delivery_failures)} failed, will retry")
        return "; ".join(parts)


def run_cycle(
    config: Config, store: Store, calendar: CalendarClient | None, notifier: Notifier, now: datetime
) -> CycleReport:
    report = CycleReport()
    remote = _read_calendar(store, calendar, report)
    the_plan = plan(config, store.ledger(), now)
    store.apply_plan(the_plan, now)
    if calendar is not None and remote is not None:
        _write_calendar(
            config=config, store=store, calendar=calendar, the_plan=the_plan, remote=remote, now=now, report=report
        )
    deliver(store, notifier, now, report)
    return report


def _read_calendar(store: Store, calendar: CalendarClient | None, report: CycleReport) -> dict[str, str] | None:
    if calendar is None:
        return None
    try:
        remote = calendar.etags()
    except CalendarError as failure:
        report.calendar_error = str(failure)
        return None
    owned = store.owned()
    for uid, mine in owned.items():
        if mine.href in remote and mine.etag is None:
            store.record_seen(uid, remote[mine.href])
    changes = observe(store.owned(), remote)
    for uid in changes.deleted:
        log.info("%s was deleted from the calendar; counting it as skipped", uid)
        store.record_removed(uid, CheckInStatus.SKIPPED)
        report.skipped_by_user += 1
    for uid in changes.edited:
        log.debug("%s was edited in the calendar; leaving it as it is", uid)
    return remote


def _write_calendar(
    *,
    config: Config,
    store: Store,
    calendar: CalendarClient,
    the_plan: Plan,
    remote: dict[str, str],
    now: datetime,
    report: CycleReport,
) -> None:
    alarm = config.schedule.alarm
    fingerprints = {p.checkin.uid: ical.fingerprint(p, alarm) for p in the_plan.upcoming}
    try:
        for action in reconcile(the_plan, store.owned(), remote, fingerprints):
            try:
                if isinstance(action, Create):
                    uid = action.planned.checkin.uid
                    written = calendar.create(uid, ical.render(action.planned, now, alarm))
                    store.record_written(uid, written.href, written.etag, action.fingerprint)
                    report.created += 1
                    log.info("added: %s", _describe(action.planned, config))
                elif isinstance(action, Update):
                    uid = action.planned.checkin.uid
                    written = calendar.update(action.href, action.etag, ical.render(action.planned, now, alarm))
                    store.record_written(uid, written.href, written.etag, action.fingerprint)
                    report.updated += 1
                    log.info("updated: %s", _describe(action.planned, config))
                elif isinstance(action, Delete):
                    calendar.delete(action.href, action.etag)
                    store.record_removed(action.checkin.uid)
                    report.deleted += 1
                    log.info("removed: the upcoming check-in with %s", action.checkin.person)
            except Conflict:
                log.info("an event changed in the calendar while we wrote it; your edit wins")
                report.conflicts += 1
    except CalendarError as failure:
        report.calendar_error = str(failure)


def _describe(planned: Planned, config: Config) -> str:
    start = planned.checkin.start.astimezone(config.timezone)
    return f"{planned.wording.summary}, {start:%a %d %b %Y %H:%M}"


def deliver(store: Store, notifier: Notifier, now: datetime, report: CycleReport) -> None:
    """Send what the outbox holds to every target that has not had it yet."""
    for pending in store.pending_nudges():
        complete = True
        for target in notifier.targets:
            if target.id in pending.delivered:
                continue
            failure = notifier.send(target, pending.nudge)
            store.record_attempt(pending.nudge.key, target.id, now, failure)
            if failure:
                complete = False
                log.warning(
                    "could not deliver the nudge about %s to %s: %s", pending.nudge.person, target.label, failure
                )
                report.delivery_failures.append(target.label)
        if complete:
            store.finish_nudge(pending.nudge.key, now)
            report.nudges_sent += 1
