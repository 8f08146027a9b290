"""The nudge outbox: what each notification target gets, and when.

- A target gets one message per delivery: the nudge itself, or, when several wait for it (after
  the machine slept, the daemon was stopped, a service was down, or quiet hours), a single
  catch-up message listing them. Never a flood.
- A target that fails is retried with exponential backoff and jitter. A nudge stops being retried
  on its own once `notify.expire` has passed since it was queued; it then rides along in the next
  message that does get through. Nothing is dropped.
- During `notify.quiet_hours` nothing is sent; what comes due waits until they end.
- Of any number of processes on one state directory (`run`, and a `sync` beside it), one sends at
  a time: it holds the store's delivery lock from reading what is due to recording what it sent,
  so the next one finds it sent. A crash lets go of the lock; at worst it repeats the one delivery
  it made and had not yet recorded.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from reconnectd.notify.notifier import Notifier, Target
from reconnectd.policy.model import Nudge, fold
from reconnectd.policy.settings import NotifySettings
from reconnectd.policy.slots import local_time
from reconnectd.policy.suggest import title_for
from reconnectd.state import PendingNudge, Store

log = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
MOMENT = 1.0  # seconds: a wait for another sender this short goes unmentioned
WAIT_FOR_OTHER_SENDER = 120.0  # seconds; a pass to every target, each timing out, is well within it


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    keys: tuple[str, ...]


@dataclass
class Delivered:
    nudges: int = 0
    failures: list[str] = field(default_factory=list)
    quiet: bool = False
    left_to: str | None = None  # another process kept on sending: what is due is left to it


def compose(nudges: Sequence[Nudge], zone: ZoneInfo) -> Message:
    """One nudge as it is; several as one calm catch-up message, a line each."""
    if len(nudges) == 1:
        (nudge,) = nudges
        return Message(nudge.title, nudge.body, (nudge.key,))
    what = "check-ins" if all(_is_check_in(n) for n in nudges) else "reminders"
    lines = [catch_up_line(n, zone) for n in nudges]
    return Message(f"Catching up: {len(nudges)} {what}", "\n".join(lines), tuple(n.key for n in nudges))


def catch_up_line(nudge: Nudge, zone: ZoneInfo) -> str:
    """A check-in by the person's name, a date or a moment for yourself by its title; then its first line."""
    label = nudge.person if _is_check_in(nudge) else nudge.title
    first = nudge.body.splitlines()[0] if nudge.body else nudge.title
    return f"• {label} ({nudge.due.astimezone(zone):%a %d %b, %H:%M}): {first}"


def _is_check_in(nudge: Nudge) -> bool:
    return nudge.title == title_for(nudge.person)


def backoff(failures: int, jitter: float) -> timedelta:
    """The wait after `failures` failures in a row: 30 s doubling to an hour, spread by `jitter` (±0.2)."""
    wait: timedelta = min(FIRST_RETRY * 2 ** min(max(failures - 1, 0), 16), LONGEST_RETRY)
    return wait * (1 + jitter)


def intended(route: str | None, targets: Sequence[Target]) -> set[str]:
    """Who gets a nudge: the targets tagged with the person's route, else the untagged (default) ones."""
    if route is not None:
        tagged = {t.id for t in targets if route in t.tags}
        if tagged:
            return tagged
    untagged = {t.id for t in targets if not t.tags}
    return untagged or {t.id for t in targets}


def deliver(
    store: Store,
    notifier: Notifier,
    now: datetime,
    settings: NotifySettings,
    zone: ZoneInfo,
    *,
    routes: Mapping[str, str] | None = None,
    rng: random.Random | None = None,
    interrupted: Callable[[], bool] = lambda: False,
) -> Delivered:
    """Send what is due; `routes` maps a person's folded name to their notify tag."""
    result = Delivered()
    if settings.quiet_at(now.astimezone(zone).time()):
        result.quiet = bool(store.pending_nudges())
        return result
    lock = store.delivery
    if not lock.acquire(patience=MOMENT, interrupted=interrupted):
        holder = lock.holder()
        other = f"another reconnectd process (pid {holder})" if holder else "another reconnectd process"
        log.info("waiting for %s to finish sending nudges", other)
        if not lock.acquire(patience=WAIT_FOR_OTHER_SENDER, interrupted=interrupted):
            result.left_to = other
            return result
    try:
        _deliver(
            store,
            notifier,
            now,
            settings=settings,
            zone=zone,
            routes=routes or {},
            rng=rng or random.Random(),
            interrupted=interrupted,
            result=result,
        )
    finally:
        lock.release()
    return result


def _deliver(
    store: Store,
    notifier: Notifier,
    now: datetime,
    *,
    settings: NotifySettings,
    zone: ZoneInfo,
    routes: Mapping[str, str],
    rng: random.Random,
    interrupted: Callable[[], bool],
    result: Delivered,
) -> None:
    """Under the delivery lock: what is due, read afresh, sent, and recorded before the lock goes."""
    pending = store.pending_nudges()
    backoffs = store.target_backoff()
    audience = {p.nudge.key: intended(routes.get(fold(p.nudge.person)), notifier.targets) for p in pending}
    for target in notifier.targets:
        if interrupted():
            break
        waiting = _waiting([p for p in pending if target.id in audience[p.nudge.key]], target.id, now, settings)
        if not waiting:
            continue
        failures, retry_at = backoffs.get(target.id, (0, now))
        if now < retry_at:
            continue
        message = compose([p.nudge for p in waiting], zone)
        one = len({fold(p.nudge.person) for p in waiting}) == 1  # buttons only when they are about one person
        pressable = message.keys[-1] if one else None  # the latest of theirs
        failure = notifier.send(target, message.title, message.body, pressable=pressable, listing=not one, now=now)
        if failure is None:
            store.record_delivery(list(message.keys), target.id, now)
            continue
        jitter = rng.uniform(-0.2, 0.2)
        failures = store.record_failure(list(message.keys), target.id, failure, now + backoff(failures + 1, jitter))
        log.warning(
            "could not deliver to %s (%s); retrying with backoff (%d failed in a row)", target.label, failure, failures
        )
        result.failures.append(target.label)
    for item in store.pending_nudges():
        everyone = audience.get(item.nudge.key) or intended(routes.get(fold(item.nudge.person)), notifier.targets)
        if everyone <= item.delivered:
            store.finish_nudge(item.nudge.key, now)
            result.nudges += 1


def next_attempt(
    store: Store, notifier: Notifier, now: datetime, settings: NotifySettings, zone: ZoneInfo
) -> datetime | None:
    """When the outbox next wants to send: a target's retry, or the end of quiet hours."""
    pending = store.pending_nudges()
    backoffs = store.target_backoff()
    times = [backoffs.get(t.id, (0, now))[1] for t in notifier.targets if _waiting(pending, t.id, now, settings)]
    if not times:
        return None
    when = max(min(times), now)
    if settings.quiet_at(when.astimezone(zone).time()) and settings.quiet_hours is not None:
        day, until = when.astimezone(zone).date(), settings.quiet_hours[1]
        end = local_time(day, until, zone)
        when = end if end.astimezone(UTC) > when.astimezone(UTC) else local_time(day + timedelta(days=1), until, zone)
    return when


def _waiting(pending: list[PendingNudge], target: str, now: datetime, settings: NotifySettings) -> list[PendingNudge]:
    """What this target still lacks, if anything is fresh enough to send on its own."""
    waiting = [p for p in pending if target not in p.delivered]
    live = any(now - p.queued_at < settings.expire for p in waiting)
    return waiting if live else []
