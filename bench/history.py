"""A simulated year on a local Radicale, with and without `calendar.keep_history`.

One cycle a simulated day (time passed in), everyone's check-ins left to pass, as a user who
never ticks anything leaves them. Measured: how many objects the calendar holds at the end, and
the median cycle time of the last month against the first's (Radicale reads the whole collection
on each full comparison and each write, so a calendar that keeps growing slows every cycle).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.report import Results, Target
from bench.sync import BenchError, Reconnectd
from bench.workload import NOW, config_yaml, count_objects, make_calendar, running
from reconnectd.config.load import parse_config

KEEP = "30 days"  # short enough to show within one simulated year (the default, 1y, would not yet remove any)
MONTH = 30  # cycles (days) in the first and the last month


@dataclass(frozen=True)
class YearRun:
    objects: int  # in the calendar at the end
    first_month: float  # median cycle time, seconds
    last_month: float
    cleared: int  # past check-ins removed over the year


def simulate(n: int, days: int, keep: str | None, work: Path) -> YearRun:
    with running("radicale", work) as server:
        calendar_url = make_calendar(server.url, "Reconnect")
        text = config_yaml(n, today=NOW.date(), url=server.url, poll="5m")
        if keep is not None:
            text = text.replace("calendar:\n", f"calendar:\n  keep_history: {keep}\n", 1)
        cfg = parse_config(text, "bench.yaml")
        walls: list[float] = []
        cleared = 0
        with Reconnectd(cfg, work / "state.db") as daemon:
            daemon.first_sync(NOW)
            for day in range(1, days + 1):
                polled = daemon.poll(NOW + timedelta(days=day, hours=11))  # 20:00 UTC: after the day's check-ins
                walls.append(polled.wall)
                cleared += polled.report.cleared
            held = len(daemon.store.ledger().checkins)
        objects = count_objects(calendar_url)
    if keep is None and objects != held:
        raise BenchError(f"year without keep_history: the calendar holds {objects} objects, the store {held}")
    return YearRun(objects, statistics.median(walls[:MONTH]), statistics.median(walls[-MONTH:]), cleared)


def bench_history(results: Results, runs: int, quick: bool, work: Path, say: Callable[[str], None]) -> None:
    n, days = (30, 90) if quick else (200, 365)
    section = f"7. A simulated year, {n:,} people, one cycle a day ({days} days, local Radicale)"
    got: dict[str | None, list[YearRun]] = {None: [], KEEP: []}
    for run in range(runs):
        for keep in (None, KEEP) if run % 2 == 0 else (KEEP, None):
            one = simulate(n, days, keep, work / f"year-{run}-{'keep' if keep else 'forever'}")
            got[keep].append(one)
            say(
                f"year run {run + 1}, keep_history {keep or 'forever'}: {one.objects:,} objects at the end,"
                f" cycles {one.first_month * 1000:.0f} ms -> {one.last_month * 1000:.0f} ms"
            )
    forever, light = got[None], got[KEEP]
    results.add(
        section, "keep_history forever: objects in the calendar at the end", "count", [r.objects for r in forever]
    )
    results.add(
        section,
        f"keep_history {KEEP}: objects in the calendar at the end",
        "count",
        [r.objects for r in light],
        note=f"{statistics.median([r.cleared for r in light]):,.0f} past check-ins cleared; the store keeps them",
    )
    results.add(
        section,
        f"keep_history {KEEP} / forever: objects at the end",
        "x",
        [a.objects / b.objects for a, b in zip(light, forever, strict=True)],
        target=Target("<=", 0.5, "<= 0.5x (a light calendar)"),
    )
    for label, year, target in (
        ("forever", forever, None),
        (KEEP, light, Target("<=", 1.5, "<= 1.5x (no slowing)")),
    ):
        results.add(section, f"keep_history {label}: first month's cycle (median)", "s", [r.first_month for r in year])
        results.add(section, f"keep_history {label}: last month's cycle (median)", "s", [r.last_month for r in year])
        results.add(
            section,
            f"keep_history {label}: last month's cycle / first month's",
            "x",
            [r.last_month / r.first_month for r in year],
            target=target,
        )
    results.notes.append(
        f"simulated year: keep_history {KEEP} in the run with it (the default, 1y, removes nothing within a first"
        " year); nobody ticks anything, so every check-in passes and stays untouched; each daily cycle is a full"
        " comparison (calendar.full_poll is an hour), the cycle times include it"
    )
