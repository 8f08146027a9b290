"""One sync cycle. Data flows one way: read the calendar back, plan, record, write, nudge.

Nudges come from the local outbox, so they go out on time even when the calendar is down.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from reconnectd.calendar import ical
from reconnectd.calendar.client import CalendarClient
from reconnectd.calendar.dav import Taken, Written
from reconnectd.calendar.readback import Broken, Deleted, Done, Fact, Mend, Seen, adopt, hrefs_to_fetch, observe
from reconnectd.calendar.reconcile import Action, Create, Delete, Update, reconcile
from reconnectd.calendar.session import Conflict, Rejected
from reconnectd.daemon import heard
from reconnectd.daemon.tidy import tidy
from reconnectd.errors import CalendarError
from reconnectd.notify import outbox
from reconnectd.notify.notifier import Notifier
from reconnectd.policy import identity
from reconnectd.policy.model import CheckIn, CheckInStatus, Owned, Repair, fold
from reconnectd.policy.plan import Plan, Planned, plan
from reconnectd.policy.settings import CalendarSettings, Config
from reconnectd.sources import watched
from reconnectd.state import Store
from reconnectd.state.meta import CALENDAR_DOWN_SINCE, CALENDAR_ERROR

log = logging.getLogger(__name__)

SYNC_KEY = "sync_token"
LAST_FULL_POLL = "last_full_poll"
# Answers to creates go to the store this many at a time, in one transaction (one sync to disk). Lost in
# a crash, they are found again: the next create of the same name hears 412 and adopts what is there.
# An update's answer is recorded at once (its new ETag, unrecorded, would read as the user's edit).
ANSWERS_AT_ONCE = 50
REFUSED = "refused_by_server"  # {uid: why}, so that a refusal is warned about once, not every cycle


def calendar_url_key(server_url: str, settings: CalendarSettings) -> str:
    """Where the store remembers the calendar's URL, so a later run skips discovery: one per
    calendar identity (another account on the same server never gets this one's URL)."""
    return f"calendar_url {server_url} {identity.calendar_identity(settings)}"


@dataclass
class CycleReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped_by_user: int = 0
    ticked_by_user: int = 0
    moved_by_user: int = 0
    conflicts: int = 0
    met: int = 0  # past meetings seen in watched calendars, recorded as contacts
    cleared: int = 0  # past check-ins older than calendar.keep_history, removed (history keeps them)
    refused: int = 0
    nudges_sent: int = 0
    delivery_failures: list[str] = field(default_factory=list)
    quiet: bool = False
    left_to: str | None = None  # another process was still sending nudges: they are left to it
    calendar_error: str | None = None

    @property
    def wrote(self) -> int:
        return self.created + self.updated + self.deleted

    @property
    def noticed(self) -> int:
        return self.skipped_by_user + self.ticked_by_user + self.moved_by_user

    def summary(self) -> str:
        parts = [f"calendar: {self.created} created, {self.updated} updated, {self.deleted} removed"]
        if self.noticed:
            parts.append(
                f"from you: {self.ticked_by_user} ticked off, {self.moved_by_user} moved or edited, "
                f"{self.skipped_by_user} deleted (skipped)"
            )
        if self.cleared:
            parts.append(f"{self.cleared} old past check-in(s) cleared (history keeps them)")
        if self.met:
            parts.append(f"watched calendars: {self.met} meeting(s) recorded as contact")
        if self.refused:
            parts.append(f"{self.refused} refused by the server (retried next time)")
        if self.calendar_error:
            parts.append(f"calendar unavailable: {self.calendar_error}")
        parts.append(f"nudges: {self.nudges_sent} sent" + (" (quiet hours: the rest wait)" if self.quiet else ""))
        if self.left_to:
            parts.append(f"the rest left to {self.left_to}, which is still sending")
        if self.delivery_failures:
            parts.append(f"{len(self.delivery_failures)} failed, will retry")
        return "; ".join(parts)


def run_cycle(
    config: Config,
    store: Store,
    calendar: CalendarClient | None,
    notifier: Notifier,
    now: datetime,
    *,
    interrupted: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
    address_book: heard.Opener | None = None,
) -> CycleReport:
    """One pass. `interrupted` is asked between writes and deliveries, so a stop is quick and clean;
    `progress(done, total)` hears about each write; `address_book` opens the CardDAV address book."""
    report = CycleReport()
    config, _ = heard.contacts(config, store, now, address_book)
    _follow_identity(config, store)
    heard.follow_renames(config, store, now)
    heard.presses(store, notifier, now)
    read = calendar is not None and _read_back(config, store, calendar, now, report)
    if read and calendar is not None and watched.watching(config.calendar):
        report.met += heard.meetings(config, store, calendar, now)
    elif not watched.watching(config.calendar):
        store.set_meetings_ahead([])  # nothing watched any more: no meeting ahead holds a check-in back
    the_plan = plan(config, store.ledger(), now)
    store.apply_plan(the_plan, now)
    if read and calendar is not None:
        _write(
            config,
            store,
            calendar,
            the_plan=the_plan,
            now=now,
            report=report,
            interrupted=interrupted,
            progress=progress,
        )
        if report.wrote and not report.calendar_error and calendar.sync_supported:
            # Move the sync token past our own writes: a server reports what changed between two
            # tokens, so a check-in deleted soon after we wrote it would otherwise never show.
            _read_back(config, store, calendar, now, report)
        if not report.calendar_error:
            tidied = tidy(config, store, calendar, now, interrupted=interrupted)
            report.cleared, report.calendar_error = tidied.removed, tidied.error
    routes = {fold(p.name): p.route for p in config.people if p.route}
    delivered = outbox.deliver(
        store, notifier, now, config.notify, config.timezone, routes=routes, interrupted=interrupted
    )
    report.nudges_sent, report.delivery_failures, report.quiet = delivered.nudges, delivered.failures, delivered.quiet
    report.left_to = delivered.left_to
    _note_calendar_health(store, calendar, report, now)
    return report


def _follow_identity(config: Config, store: Store) -> None:
    """A calendar configured anew is a move: the upcoming objects are written there as planned, and
    the read-back never sees the old calendar's objects, so nothing reads as deleted."""
    configured = identity.calendar_identity(config.calendar)
    recorded = store.get_meta(identity.CALENDAR_IDENTITY)
    move = identity.compare(recorded, configured)
    if move is not None:
        upcoming = store.move_calendar(
            identity.CALENDAR_IDENTITY, configured, forget=(SYNC_KEY, LAST_FULL_POLL, REFUSED)
        )
        log.warning("%s", identity.move_message(move, upcoming))
    elif recorded is None:
        store.set_meta(identity.CALENDAR_IDENTITY, configured)
    zone = config.timezone.key
    recorded_zone = store.get_meta(identity.TIMEZONE)
    rezone = identity.compare_zone(recorded_zone, zone)
    if rezone is not None:
        moved = store.rezone(ZoneInfo(rezone.before), config.timezone, identity.TIMEZONE)
        log.warning("%s", identity.rezone_message(rezone, moved))
    elif recorded_zone is None:
        store.set_meta(identity.TIMEZONE, zone)


def _note_calendar_health(store: Store, calendar: CalendarClient | None, report: CycleReport, now: datetime) -> None:
    """Kept in the store so that `status`, in another process, can say since when it is down."""
    if report.calendar_error:
        if store.get_meta(CALENDAR_DOWN_SINCE) is None:
            store.set_meta(CALENDAR_DOWN_SINCE, now.isoformat())
        store.set_meta(CALENDAR_ERROR, report.calendar_error)
    elif calendar is not None:
        store.delete_meta(CALENDAR_DOWN_SINCE)
        store.delete_meta(CALENDAR_ERROR)


def _read_back(config: Config, store: Store, calendar: CalendarClient, now: datetime, report: CycleReport) -> bool:
    """Fold what the user did in their calendar into the store. False if the calendar is down."""
    last_full = store.get_meta(LAST_FULL_POLL)
    full_due = last_full is None or not (
        datetime.fromisoformat(last_full) <= now < datetime.fromisoformat(last_full) + config.calendar.full_poll
    )
    try:
        changes = calendar.changes(None if full_due else store.get_meta(SYNC_KEY))
        owned, foreign = store.owned(), store.foreign()
        wanted = hrefs_to_fetch(changes, owned, foreign)
        fetched = calendar.fetch(wanted) if wanted else {}
    except CalendarError as failure:
        report.calendar_error = str(failure)
        return False
    checkins = {c.uid: c for c in store.ledger().checkins}
    observed = observe(
        changes, owned, checkins=checkins, foreign=foreign, fetched=fetched, now=now, zone=config.timezone
    )
    for fact in observed.facts:
        _record(store, fact, now, report)
    for href in observed.unreadable:
        log.warning("the server sent no data for our check-in at %s; leaving it as it is", href)
    for href in observed.unreadable_foreign:
        log.info("skipping %s: not readable iCalendar, and not ours", href)
    for href, uid in observed.copies.items():
        log.info("%s carries the UID of our check-in %s but is not the object we wrote; leaving it alone", href, uid)
    for href, uid in observed.replaced.items():
        log.warning("%s, where we wrote a check-in, now holds another event (%s); it is not ours to change", href, uid)
    store.record_foreign(observed.foreign_seen, observed.foreign_gone)
    if changes.token:
        store.set_meta(SYNC_KEY, changes.token)
    if changes.complete:
        store.set_meta(LAST_FULL_POLL, now.isoformat())
    store.set_meta(calendar_url_key(calendar.server_url, config.calendar), calendar.url)
    return True


def _record(store: Store, fact: Fact, now: datetime, report: CycleReport) -> None:
    if isinstance(fact, Broken):
        store.record_broken(fact.uid, fact.href, fact.etag, repair=fact.mend is Mend.REPAIR)
        _log_broken(fact)
    elif isinstance(fact, Seen):
        store.record_seen(fact.uid, fact.href, fact.etag)
    elif isinstance(fact, Deleted):
        store.record_removed(fact.uid, CheckInStatus.SKIPPED if fact.skipped else None)
        if fact.skipped:
            log.info("a check-in was deleted from the calendar; counting it as skipped (%s)", fact.uid)
            report.skipped_by_user += 1
    elif isinstance(fact, Done):
        if not store.record_done(fact.uid, fact.href, fact.etag, fact.contact, now):
            log.info(
                "the check-in with %s is ticked, but you undid that contact; not counted again", fact.contact.person
            )
            return
        log.info("ticked off in the calendar: in touch with %s (%s)", fact.contact.person, fact.contact.outcome.value)
        report.ticked_by_user += 1
    else:
        store.record_user_edit(fact.uid, fact.href, fact.etag, fact.start, fact.end, reopen=fact.reopen)
        what = f"moved to {fact.start:%a %d %b %H:%M}" if fact.start else "edited"
        log.info("a check-in was %s in the calendar; keeping it as you left it (%s)", what, fact.uid)
        report.moved_by_user += 1


def _log_broken(fact: Broken) -> None:
    what = f"the check-in with {fact.person} at {fact.href} no longer reads as iCalendar ({fact.reason})"
    if fact.mend is Mend.REPAIR:
        log.warning("%s; writing it again from the plan (%s)", what, fact.uid)
    elif fact.mend is Mend.KEEP:
        log.info("%s; it is history, so it stays as it is (%s)", what, fact.uid)
    elif fact.mend is Mend.GIVE_UP:
        log.warning("%s again after a repair; leaving it alone from now on (%s)", what, fact.uid)
    else:
        log.debug("%s; left alone, as before (%s)", what, fact.uid)


def _write(
    config: Config,
    store: Store,
    calendar: CalendarClient,
    *,
    the_plan: Plan,
    now: datetime,
    report: CycleReport,
    interrupted: Callable[[], bool],
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Carry out the actions. Writes overlap on `calendar.concurrency` connections (a distant server
    costs a round trip each); every result is recorded here, on this thread, as it arrives."""
    alarm, component = config.schedule.alarm, config.calendar.component
    fingerprints = {p.checkin.uid: ical.fingerprint(p, alarm, component) for p in the_plan.upcoming}
    owned = store.owned()
    actions = reconcile(the_plan, owned, fingerprints)
    body = ical.Bodies(now, alarm, component)
    refused: dict[str, str] = {}
    zone = config.timezone

    def send(action: Action, client: CalendarClient) -> Written | Taken | None:
        if isinstance(action, Create):
            return client.create(action.planned.checkin.uid, body(action.planned))
        if isinstance(action, Update):
            return client.update(action.href, action.etag, body(action.planned))
        client.delete(action.href, action.etag)
        return None

    answers: list[tuple[str, str, str | None, str | None]] = []  # written, not yet in the store

    try:
        actions = _settle_unheard(store, calendar, actions, owned, body, now=now, zone=zone, report=report)
        for done, (action, outcome) in enumerate(
            calendar.run_all(actions, send, config.calendar.concurrency, interrupted), start=1
        ):
            if progress is not None:
                progress(done, len(actions))
            if isinstance(outcome, Taken) and isinstance(action, Create):
                there = (outcome.href, outcome.etag, outcome.data)
                if not _settle(store, action, there, body(action.planned), now=now, zone=zone, report=report):
                    _create_beside(store, calendar, action, body(action.planned), report)
            elif isinstance(outcome, Conflict):
                log.info("a check-in changed in the calendar while we wrote it; your edit wins")
                report.conflicts += 1
            elif isinstance(outcome, Rejected):
                checkin = action.checkin if isinstance(action, Delete) else action.planned.checkin
                refused[checkin.uid] = f"{outcome}; leaving the check-in with {checkin.person} as it is for now"
                report.refused += 1
            elif isinstance(action, Delete):
                store.record_removed(action.checkin.uid)
                report.deleted += 1
                _say_removed(action.checkin)
            elif isinstance(action, Create | Update) and isinstance(outcome, Written):
                answers.append((action.planned.checkin.uid, outcome.href, outcome.etag, action.fingerprint))
                if len(answers) >= ANSWERS_AT_ONCE or isinstance(action, Update):
                    store.record_all_written(answers)
                    answers.clear()
                report.created += isinstance(action, Create)
                report.updated += isinstance(action, Update)
                repaired = isinstance(action, Update) and owned[action.planned.checkin.uid].repair is Repair.DUE
                done_what = "added" if isinstance(action, Create) else "repaired" if repaired else "updated"
                log.info("%s: %s", done_what, _describe(action.planned, config))
    except CalendarError as failure:
        report.calendar_error = str(failure)
        return
    finally:
        store.record_all_written(answers)
    _warn_once(store, refused)


def _say_removed(gone: CheckIn) -> None:
    if gone.label is None:
        log.info("removed: the upcoming check-in with %s", gone.person)
    else:  # a date: worded as when it was added
        log.info("removed: %s: %s, %s", gone.person, gone.label, f"{gone.start.date():%a %d %b %Y}")


def _warn_once(store: Store, refused: dict[str, str]) -> None:
    """A server that keeps refusing an object is warned about once; the cycle summary counts it after."""
    before = json.loads(store.get_meta(REFUSED) or "{}")
    for uid, why in refused.items():
        log.log(logging.DEBUG if before.get(uid) == why else logging.WARNING, "%s", why)
    if refused != before:
        store.set_meta(REFUSED, json.dumps(refused))


def _settle_unheard(
    store: Store,
    calendar: CalendarClient,
    actions: list[Action],
    owned: Mapping[str, Owned],
    body: ical.Bodies,
    *,
    now: datetime,
    zone: ZoneInfo,
    report: CycleReport,
) -> list[Action]:
    """An object whose create never heard back holds what we meant, or what the user made of it
    since: it is read before it may be written over. Returns the actions still to do."""
    unheard = {
        a.href: a
        for a in actions
        if isinstance(a, Update) and not a.repair and not owned[a.planned.checkin.uid].fingerprint
    }
    found = calendar.fetch(list(unheard)) if unheard else {}
    settled = set()
    for href, update in unheard.items():
        if href in found:
            etag, data = found[href]
            if _settle(store, update, (href, etag, data), body(update.planned), now=now, zone=zone, report=report):
                settled.add(id(update))
    return [a for a in actions if id(a) not in settled]


def _settle(
    store: Store,
    action: Create | Update,
    there: tuple[str, str | None, str],
    body: bytes,
    *,
    now: datetime,
    zone: ZoneInfo,
    report: CycleReport,
) -> bool:
    """Our earlier write of this check-in landed though we never heard: keep it, as we meant it or
    as the user has left it since. False when what is there is not ours."""
    checkin = action.planned.checkin
    href, etag, _ = there
    fact = adopt(body, there, checkin=checkin, now=now, zone=zone)
    if fact is None:
        return False
    log.info("the check-in with %s was already in the calendar (an answer was lost); keeping it", checkin.person)
    store.record_written(checkin.uid, href, etag, action.fingerprint if isinstance(fact, Seen) else None)
    if not isinstance(fact, Seen):
        _record(store, fact, now, report)
    return True


def _create_beside(store: Store, calendar: CalendarClient, action: Create, body: bytes, report: CycleReport) -> None:
    """Its name is taken by someone else's object: ours goes beside it, under a fresh name."""
    checkin = action.planned.checkin
    written = calendar.create(checkin.uid, body, fresh=True)
    if isinstance(written, Written):
        store.record_written(checkin.uid, written.href, written.etag, action.fingerprint)
        report.created += 1


def _describe(planned: Planned, config: Config) -> str:
    start = planned.checkin.start.astimezone(config.timezone)
    when = f"{start:%a %d %b %Y}" if planned.checkin.is_milestone else f"{start:%a %d %b %Y %H:%M}"
    return f"{planned.wording.summary}, {when}"
