"""A simulated year on a local Radicale, with and without `calendar.keep_history`.

One cycle a simulated day (time passed in), everyone's check-ins left to pass, as a user who
never ticks anything leaves them. Measured: how many objects the calendar holds at the end, and
the median cycle time of the last month against the first's (Radicale reads the whole collection
on each full comparison and each write, so a calendar that keeps growing slows every cycle).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bench.daemon import sample
from bench.report import Results, Target
from bench.sync import BenchError, Reconnectd
from bench.workload import NOW, config_yaml, count_objects, make_calendar, running
from reconnectd.config.load import parse_config

KEEP = "30 days"  # short enough to show within one simulated year (the default, 1y, would not yet remove any)
KEEP_DAYS = 30
MONTH = 30  # cycles (days) in the first and the last month


@dataclass(frozen=True)
class YearRun:
    objects: int  # in the calendar at the end
    first_month: float  # median cycle time, seconds
    last_month: float
    cleared: int  # past check-ins removed over the year
    first_cpu: float  # median CPU seconds of a cycle, ours and the server's together
    last_cpu: float
    second_cpu: float  # the month after KEEP_DAYS: the first in which past check-ins are removed


def simulate(n: int, days: int, keep: str | None, work: Path) -> YearRun:
    with running("radicale", work) as server:
        calendar_url = make_calendar(server.url, "Reconnect")
        text = config_yaml(n, today=NOW.date(), url=server.url, poll="5m")
        if keep is not None:
            text = text.replace("calendar:\n", f"calendar:\n  keep_history: {keep}\n", 1)
        cfg = parse_config(text, "bench.yaml")
        walls: list[float] = []
        cpus: list[float] = []
        cleared = 0
        server_pid = server.pid
        assert server_pid is not None
        with Reconnectd(cfg, work / "state.db") as daemon:
            daemon.first_sync(NOW)
            for day in range(1, days + 1):
                before = time.process_time() + sample(server_pid).cpu
                polled = daemon.poll(NOW + timedelta(days=day, hours=11))  # 20:00 UTC: after the day's check-ins
                cpus.append(time.process_time() + sample(server_pid).cpu - before)
                walls.append(polled.wall)
                cleared += polled.report.cleared
            held = sum(1 for o in daemon.store.owned().values() if o.href is not None)
        objects = count_objects(calendar_url)
    if keep is None and objects != held:
        raise BenchError(f"year without keep_history: the calendar holds {objects} objects, the store knows {held}")
    first, last = statistics.median(walls[:MONTH]), statistics.median(walls[-MONTH:])
    second = statistics.median(cpus[KEEP_DAYS : KEEP_DAYS + MONTH])
    return YearRun(
        objects, first, last, cleared, statistics.median(cpus[:MONTH]), statistics.median(cpus[-MONTH:]), second
    )


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
            f"keep_history {label}: last month's cycle / first month's (wall time)",
            "x",
            [r.last_month / r.first_month for r in year],
        )
        results.add(
            section,
            f"keep_history {label}: last month's cycle / first month's (CPU, ours + the server's)",
            "x",
            [r.last_cpu / r.first_cpu for r in year if r.first_cpu > 0],
        )
        results.add(
            section,
            f"keep_history {label}: last month's cycle / days {KEEP_DAYS + 1}-{KEEP_DAYS + MONTH}'s (CPU)",
            "x",
            [r.last_cpu / r.second_cpu for r in year if r.second_cpu > 0],
            target=target,
        )
    results.notes.append(
        f"simulated year: keep_history {KEEP} in the run with it (the default, 1y, removes nothing within a first"
        " year); nobody ticks anything, so every check-in passes and stays untouched; each daily cycle is a full"
        " comparison (calendar.full_poll is an hour), the cycle times include it. The CPU time of a cycle (this"
        " process's and Radicale's, in ticks of 10 ms) varies far less than its wall time on a shared machine."
        f" With keep_history, removals start after {KEEP_DAYS} days and then cost a DELETE or two a cycle for"
        f" good: the last month is compared with days {KEEP_DAYS + 1}-{KEEP_DAYS + MONTH}, the first month that"
        " removes (the target), as well as with the first month, which removes nothing"
    )
