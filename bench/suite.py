"""The benchmark suite: every section, side by side in one run, printed as a table and saved as JSON."""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import history, loading, peer, planning, unread
from bench.daemon import DaemonProcess, sample
from bench.proxy import LatencyProxy
from bench.report import ROOT, Results, Target, describe, load, machine, table
from bench.sync import BenchError, Reconnectd, SyncResult, add_meeting, edit_remotely, floor_sync, naive_sync
from bench.workload import (
    NOW,
    SERVER_KINDS,
    SERVER_NAMES,
    ZONE,
    config,
    config_yaml,
    count_objects,
    make_calendar,
    rendered_events,
    running,
)
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.settings import Config

SECTIONS = ("config", "commands", "planning", "local", "distant", "daemon", "history", "peer")
REQUEST_SLACK = 10  # the "small constant" allowed on top of one request per event created


@dataclass(frozen=True)
class Settings:
    runs: int
    people: int  # for the sync, poll and daemon sections
    distant_people: int
    plan_sizes: tuple[int, int, int]
    preview_sizes: tuple[int, int]  # people for `plan --days 30`
    polls: int
    idle: float  # seconds
    latency: float  # seconds per round trip through the proxy
    distant_server: str
    sections: tuple[str, ...]
    quick: bool = False
    peer: peer.PeerOptions = peer.DEFAULT


def parse_args(argv: list[str] | None) -> tuple[Settings, Path, bool]:
    parser = argparse.ArgumentParser(prog="bench/run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke test: fewer people and runs, short idle window")
    parser.add_argument("--runs", type=int, help="runs per figure, reported as the median (default 3; quick 1)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json", help="JSON file to write")
    parser.add_argument("--people", type=int, help="people to sync (default 1000; quick 100)")
    parser.add_argument("--idle", type=float, help="idle window of the daemon, seconds (default 60; quick 5)")
    parser.add_argument("--latency", type=float, default=100, help="round trip added by the proxy, ms (default 100)")
    parser.add_argument(
        "--distant-server",
        choices=SERVER_KINDS,
        default="xandikos",
        help="server behind the latency proxy (default xandikos: Radicale closes every connection, HTTP/1.0)",
    )
    parser.add_argument("--only", help=f"comma-separated sections to run, of: {', '.join(SECTIONS)}")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    peer.add_arguments(parser)
    args = parser.parse_args(argv)
    sections = tuple(s.strip() for s in args.only.split(",")) if args.only else SECTIONS
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)} (choose from {', '.join(SECTIONS)})")
    people = args.people or (100 if args.quick else 1000)
    settings = Settings(
        runs=max(1, args.runs or (1 if args.quick else 3)),
        people=people,
        distant_people=min(people, 30) if args.quick else people,
        plan_sizes=(100, 300, 1000) if args.quick else (100, 1000, 10000),
        preview_sizes=(100, 400) if args.quick else (1000, 4000),
        polls=3 if args.quick else 5,
        idle=args.idle if args.idle is not None else (5.0 if args.quick else 60.0),
        latency=args.latency / 1000,
        distant_server=args.distant_server,
        sections=sections,
        quick=args.quick,
        peer=peer.options(args, parser),
    )
    return settings, args.out, args.strict


class Progress:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def __call__(self, text: str) -> None:
        print(f"[{time.monotonic() - self.start:6.1f}s] {text}", file=sys.stderr, flush=True)


def rotated(items: list[str], run: int) -> list[str]:
    """A different order each run, so no method always goes first (or last)."""
    k = run % len(items)
    return items[k:] + items[:k]


def median(values: list[float]) -> float:
    return statistics.median(values)


# -- 1. planning ---------------------------------------------------------------


def bench_planning(results: Results, s: Settings, say: Progress) -> None:
    section = "1. Planning (plan() only: people with their dates)"
    sizes = s.plan_sizes
    prepared = {n: planning.prepare(n) for n in sizes}
    runs: dict[int, list[planning.PlanRun]] = {n: [] for n in sizes}
    fresh: dict[int, list[float]] = {n: [] for n in sizes}
    for run in range(s.runs):
        for n in sizes:
            runs[n].append(planning.measure(*prepared[n], memory=run == 0))
            fresh[n].append(planning.fresh_first(n))
            say(
                f"planning run {run + 1}/{s.runs}: {n:,} people, first plan {runs[n][-1].first:.3f} s"
                f" ({fresh[n][-1]:.3f} s in a fresh process)"
            )
    limit = Target("<", 0.5, "< 0.5 s")
    for n in sizes:
        target = limit if n == 10000 else None
        results.add(section, f"first plan, {n:,} people: time", "s", [r.first for r in runs[n]], target=target)
        results.add(section, f"first plan in a fresh process, {n:,} people: time", "s", fresh[n])
        peaks = [r.first_peak for r in runs[n] if r.first_peak is not None]
        results.add(section, f"first plan, {n:,} people: peak memory", "bytes", peaks)
    for n in sizes:
        target = limit if n == 10000 else None
        results.add(
            section, f"re-plan (all in ledger), {n:,} people: time", "s", [r.again for r in runs[n]], target=target
        )
        peaks = [r.again_peak for r in runs[n] if r.again_peak is not None]
        results.add(section, f"re-plan, {n:,} people: peak memory", "bytes", peaks)
    _, mid, large = sizes
    linear = large / mid
    growth = Target("<=", linear * 1.25, f"<= {linear * 1.25:.3g}x (linear: {linear:.3g}x)")
    picks: list[tuple[str, Callable[[planning.PlanRun], float | None]]] = [
        ("first plan time", lambda r: r.first),
        ("re-plan time", lambda r: r.again),
        ("first plan memory", lambda r: r.first_peak),
        ("re-plan memory", lambda r: r.again_peak),
    ]
    for label, pick in picks:
        pairs = [(pick(a), pick(b)) for a, b in zip(runs[mid], runs[large], strict=True)]
        ratios = [b / a for a, b in pairs if a and b]
        results.add(section, f"growth {mid:,} -> {large:,} people, {label}", "x", ratios, target=growth)
    results.notes.append(
        "planning: everyone has a birthday, one in four an anniversary, one in ten a one-off event"
        " (about 1.35 dates a person). The < 0.5 s target is for 10,000 people"
        + ("" if 10000 in sizes else " (not measured in this run)")
        + ". Plans run in a process that has planned the same people before, as a running daemon has;"
        " 'in a fresh process' is the daemon's very first plan, before anything is kept"
        + ". Peak memory is measured in the first run only: it is the same every run, and tracing is slow"
    )
    bench_preview(results, s, say, {n: prepared[n] for n in s.preview_sizes if n in prepared})


PREVIEW_FACTOR = 3  # `plan --days 30` may cost this many cycles' plans, at any size


def bench_preview(results: Results, s: Settings, say: Progress, prepared: dict[int, tuple[Config, Ledger]]) -> None:
    """`reconnectd plan --days 30`: the preview walk against one cycle's plan, and how it grows."""
    section = "1. Planning (plan() only: people with their dates)"
    sizes = s.preview_sizes
    for n in sizes:
        if n not in prepared:
            prepared[n] = planning.prepare(n)
    runs: dict[int, list[planning.PreviewRun]] = {n: [] for n in sizes}
    for run in range(s.runs):
        for n in sizes:
            runs[n].append(planning.measure_preview(*prepared[n]))
            got = runs[n][-1]
            say(
                f"preview run {run + 1}/{s.runs}: {n:,} people, plan --days {planning.PREVIEW_DAYS}"
                f" {got.walk:.3f} s (one cycle {got.cycle:.3f} s)"
            )
    days = planning.PREVIEW_DAYS
    factor = Target("<=", PREVIEW_FACTOR, f"<= {PREVIEW_FACTOR}x one cycle")
    for n in sizes:
        results.add(section, f"plan --days {days}, {n:,} people: time", "s", [r.walk for r in runs[n]])
        results.add(
            section,
            f"plan --days {days} / one cycle's plan, {n:,} people",
            "x",
            [r.walk / r.cycle for r in runs[n]],
            target=factor,
        )
    small, large = sizes
    linear = large / small
    growth = Target("<=", linear * 1.25, f"<= {linear * 1.25:.3g}x (linear: {linear:.3g}x)")
    ratios = [b.walk / a.walk for a, b in zip(runs[small], runs[large], strict=True)]
    results.add(section, f"growth {small:,} -> {large:,} people, plan --days {days} time", "x", ratios, target=growth)
    results.notes.append(
        f"plan --days {days}: the preview walk in-process (no config loading, no store), from a ledger that holds"
        " everyone's check-in, as a running daemon leaves it; 'one cycle' is the re-plan of the same people"
    )


# -- 0. config loading and commands, each in a fresh process ---------------------


def bench_config(results: Results, s: Settings, work: Path, say: Progress) -> None:
    section = "0a. Config loading (read, parse, validate; a fresh process each)"
    small, mid, large = (1000, 3000, 12000) if s.quick else (10000, 100000, 120000)
    paths = {n: loading.write_config(n, work) for n in (small, mid, large)}
    bare: list[float] = []
    ours: dict[int, list[loading.LoadRun]] = {n: [] for n in paths}
    for run in range(s.runs):
        bare.append(loading.load(paths[small], "bare").wall)
        for n, path in paths.items():
            ours[n].append(loading.load(path, "ours"))
            say(f"config run {run + 1}/{s.runs}: {n:,} people, {ours[n][-1].wall:.2f} s, {ours[n][-1].peak_mb:.0f} MB")
    results.add(section, f"bare yaml.load (libyaml C loader), {small:,} people", "s", bare)
    for n in (small, mid):
        results.add(section, f"load_config, {n:,} people: time", "s", [r.wall for r in ours[n]])
    results.add(
        section,
        f"load_config / bare C load, {small:,} people",
        "x",
        [r.wall / b for r, b in zip(ours[small], bare, strict=True)],
        target=Target("<=", 3, "<= 3x"),
    )
    results.add(
        section,
        f"load_config, {large:,} people: time",
        "s",
        [r.wall for r in ours[large]],
        target=Target("<", 10, "< 10 s") if not s.quick else None,
    )
    results.add(
        section,
        f"load_config, {large:,} people: CPU time",
        "s",
        [r.cpu for r in ours[large]],
        target=Target("<", 10, "< 10 s") if not s.quick else None,
    )
    results.add(
        section,
        f"load_config, {large:,} people: peak memory (RSS of the process)",
        "MB",
        [r.peak_mb for r in ours[large]],
        target=Target("<", 300, "< 300 MB") if not s.quick else None,
    )
    linear = mid / small
    results.add(
        section,
        f"growth {small:,} -> {mid:,} people, time",
        "x",
        [b.wall / a.wall for a, b in zip(ours[small], ours[mid], strict=True)],
        target=Target("<=", linear * 1.25, f"<= {linear * 1.25:.3g}x (linear: {linear:.3g}x)"),
    )
    results.add(
        section,
        f"growth {small:,} -> {mid:,} people, CPU time",
        "x",
        [b.cpu / a.cpu for a, b in zip(ours[small], ours[mid], strict=True)],
        target=Target("<=", linear * 1.25, f"<= {linear * 1.25:.3g}x (linear: {linear:.3g}x)"),
    )
    results.notes.append(
        f"config: {paths[large].stat().st_size / 1e6:.1f} MB for {large:,} people; the bare load is"
        " yaml.load(text, Loader=yaml.CSafeLoader) of the same file, in a fresh process as ours"
    )


COMMAND_REPEATS = 5  # runs of each command per bench run: start-up is short and noisy


def bench_commands(results: Results, s: Settings, work: Path, say: Progress) -> None:
    section = "0b. Commands, start to finish as a subprocess (100 people, empty state)"
    config_path, state = loading.command_setup(work, 100)
    env = loading.environment(work)
    argvs = {c[0]: loading.command_argv(c, config_path, state) for c in loading.COMMANDS}
    for argv in (loading.FLOOR, *argvs.values()):  # warm-up: compile every module once, as an install has
        loading.timed(argv, env)
    repeats = s.runs * COMMAND_REPEATS
    floor: list[tuple[float, float]] = []
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in argvs}
    for _ in range(repeats):  # interleaved, so that a busy moment weighs on the floor and the commands alike
        floor.append(loading.cpu_timed(loading.FLOOR, env))
        for name, argv in argvs.items():
            timings[name].append(loading.cpu_timed(argv, env))
    results.add(section, 'python -c "import yaml, icalendar": time', "s", [w for w, _ in floor])
    results.add(section, 'python -c "import yaml, icalendar": CPU time', "s", [c for _, c in floor])
    for name, runs in timings.items():
        say(f"command {name}: {median([w for w, _ in runs]):.3f} s, CPU {median([c for _, c in runs]):.3f} s")
        results.add(section, f"{name}: time", "s", [w for w, _ in runs])
        results.add(
            section,
            f"{name} / the imports floor (wall time)",
            "x",
            [w / f for (w, _), (f, _) in zip(runs, floor, strict=True)],
            target=Target("<=", 1.5, "<= 1.5x"),
        )
        results.add(
            section,
            f"{name} / the imports floor (CPU time)",
            "x",
            [c / f for (_, c), (_, f) in zip(runs, floor, strict=True)],
            target=Target("<=", 1.5, "<= 1.5x"),
        )
    results.notes.append(
        f"commands: {repeats} runs each, interleaved with the floor's; modules compiled once beforehand, as"
        " an install has them. The CPU time (user + system) is the steadier figure on a shared machine"
    )


# -- 2 and 4. first sync on local servers, then polls ---------------------------


@dataclass
class LocalRun:
    floor: SyncResult
    naive: SyncResult
    reconnectd: SyncResult
    settle_wall: float
    settle_requests: int
    poll_walls: list[float]
    poll_requests: list[int]
    edit_wall: float
    edit_requests: int
    watched_requests: int  # a no-change poll with one watched calendar


def local_run(kind: str, n: int, *, polls: int, work: Path, run: int, say: Progress) -> LocalRun:
    """Floor, naive and reconnectd each on a fresh server, in a rotating order; then reconnectd's polls."""
    events = rendered_events(config(n))
    done: dict[str, SyncResult] = {}
    poll_figures: tuple[float, int, list[float], list[int], float, int, int] | None = None
    for method in rotated(["floor", "naive", "reconnectd"], run):
        root = work / f"{kind}-{method}-{run}"
        with running(kind, root) as server:
            calendar_url = make_calendar(server.url, "Reconnect")
            if method == "floor":
                result = floor_sync(calendar_url, events)
            elif method == "naive":
                result = naive_sync(server.url, calendar_url, events)
            else:
                with Reconnectd(config(n, url=server.url), root / "state.db") as daemon:
                    result = daemon.first_sync(NOW)
                    settle = daemon.poll(NOW + timedelta(minutes=1))
                    quiet = daemon.polls(NOW + timedelta(minutes=1), polls)
                    edit_remotely(calendar_url, daemon.one_owned_href())
                    edited = daemon.poll(NOW + timedelta(minutes=5 * polls + 6))
                    watched = watched_poll(daemon, server.url, n, NOW + timedelta(minutes=5 * polls + 8))
                    if edited.report.moved_by_user != 1 or any(p.report.wrote for p in (settle, *quiet, edited)):
                        raise BenchError(f"{kind}: polls did not see exactly the one remote edit")
                    poll_figures = (
                        settle.wall,
                        settle.requests,
                        [p.wall for p in quiet],
                        [p.requests for p in quiet],
                        edited.wall,
                        edited.requests,
                        watched,
                    )
            stored = count_objects(calendar_url)
            if result.created != n or stored != n:
                raise BenchError(f"{kind} {method}: created {result.created}, calendar holds {stored}, expected {n}")
        done[method] = result
        say(f"{kind} run {run + 1}: {method:10} {result.wall:7.2f} s, {result.requests} requests")
    assert poll_figures is not None
    return LocalRun(done["floor"], done["naive"], done["reconnectd"], *poll_figures)


def watched_poll(daemon: Reconnectd, server_url: str, n: int, at: datetime) -> int:
    """Requests of a no-change poll once `calendar.watch` names one other calendar (holding a past
    meeting and one ahead): the first poll finds and reads it, the next is the quiet one measured."""
    work = make_calendar(server_url, "Work")
    add_meeting(work, "coffee", "Coffee with Person 00001", (NOW - timedelta(days=2)).strftime("%Y%m%dT%H%M%SZ"))
    add_meeting(work, "dinner", "Dinner with Person 00002", (NOW + timedelta(days=3)).strftime("%Y%m%dT%H%M%SZ"))
    unwatched = daemon.cfg
    daemon.cfg = config(n, url=server_url, watch="Work")
    try:
        first = daemon.poll(at)
        if first.report.met != 1:
            raise BenchError(f"the first poll of the watched calendar recorded {first.report.met} meetings, not 1")
        quiet = daemon.poll(at + timedelta(minutes=2))
        if quiet.report.wrote:
            raise BenchError("a no-change poll with a watched calendar wrote to the calendar")
        return quiet.requests
    finally:
        daemon.cfg = unwatched


def bench_local(results: Results, s: Settings, work: Path, say: Progress) -> None:
    n = s.people
    sync_section = f"2. First sync, local server, {n:,} people into an empty calendar"
    poll_section = f"4. Polls, {n:,} people in sync (local server)"
    # Warm-up: imports and first-call caches, so the first measured method pays nothing extra.
    with running("radicale", work / "warmup") as server:
        url = make_calendar(server.url, "Reconnect")
        floor_sync(url, rendered_events(config(3)))
    for kind in SERVER_KINDS:
        name = SERVER_NAMES[kind]
        runs = [local_run(kind, n, polls=s.polls, work=work, run=run, say=say) for run in range(s.runs)]
        for method in ("floor", "naive", "reconnectd"):
            got = [getattr(r, method) for r in runs]
            results.add(sync_section, f"{name} {method}: wall time", "s", [g.wall for g in got])
            results.add(sync_section, f"{name} {method}: HTTP requests", "count", [g.requests for g in got])
            per_event = [g.requests / g.created for g in got]
            results.add(sync_section, f"{name} {method}: requests per event created", "ratio", per_event)
        ours = [r.reconnectd for r in runs]
        results.add(
            sync_section,
            f"{name} reconnectd: requests beyond 1 per event",
            "count",
            [g.requests - g.created for g in ours],
            target=Target("<=", REQUEST_SLACK, f"<= {REQUEST_SLACK} (1/event + small constant)"),
            note=f"of which calendar discovery: {median([g.discovery for g in ours]):g}",
        )
        results.add(
            sync_section,
            f"{name} reconnectd / floor (wall time)",
            "x",
            [r.reconnectd.wall / r.floor.wall for r in runs],
            target=Target("<=", 1.15, "<= 1.15x"),
        )
        results.add(sync_section, f"{name} naive / floor (wall time)", "x", [r.naive.wall / r.floor.wall for r in runs])
        results.add(
            poll_section,
            f"{name}: first poll after the first sync: requests",
            "count",
            [r.settle_requests for r in runs],
        )
        results.add(poll_section, f"{name}: first poll after the first sync: time", "s", [r.settle_wall for r in runs])
        results.add(
            poll_section,
            f"{name}: no-change poll: HTTP requests (worst of {s.polls})",
            "count",
            [max(r.poll_requests) for r in runs],
            target=Target("<=", 2, "<= 2"),
        )
        results.add(poll_section, f"{name}: no-change poll: time", "s", [median(r.poll_walls) for r in runs])
        results.add(
            poll_section,
            f"{name}: no-change poll, one watched calendar: requests beyond the unwatched poll",
            "count",
            [r.watched_requests - max(r.poll_requests) for r in runs],
            target=Target("<=", 2, "<= 2"),
        )
        results.add(
            poll_section, f"{name}: poll after one remote edit: requests", "count", [r.edit_requests for r in runs]
        )
        results.add(poll_section, f"{name}: poll after one remote edit: time", "s", [r.edit_wall for r in runs])
    results.notes.append(
        "first sync: each method runs on a fresh server with one empty calendar, in a different order each run; "
        "floor and naive are handed the calendar's URL, reconnectd finds it (counted in its requests); "
        "every method must leave exactly the same number of objects. Radicale answers in HTTP/1.0 and closes "
        "every connection, so there each request (the floor's too) opens a new TCP connection; Xandikos keeps them"
    )
    results.notes.append(
        "polls: a poll's time is the whole cycle as the daemon runs it (read back, plan, compare, write, nudge), "
        "each 5 minutes after the last, within the hour (no full comparison); the remote edit is a title change "
        "made by a second client with If-Match"
    )


# -- 3. first sync through the latency proxy ------------------------------------


@dataclass(frozen=True)
class DistantRun:
    result: SyncResult
    proxy_requests: int
    connections: int
    poll_wall: float = 0.0
    poll_requests: int = 0


def distant_run(method: str, kind: str, *, n: int, latency: float, work: Path, run: int) -> DistantRun:
    root = work / f"distant-{method}-{run}"
    with running(kind, root) as server, LatencyProxy(server.port, latency) as proxy:
        calendar_url = make_calendar(server.url, "Reconnect")  # setup, straight to the server
        far_calendar = calendar_url.replace(server.url, proxy.url, 1)
        poll_wall, poll_requests = 0.0, 0
        if method == "naive":
            result = naive_sync(proxy.url, far_calendar, rendered_events(config(n)))
            seen, connections = proxy.requests, proxy.connections
        else:
            with Reconnectd(config(n, url=proxy.url), root / "state.db") as daemon:
                result = daemon.first_sync(NOW)
                seen, connections = proxy.requests, proxy.connections
                daemon.poll(NOW + timedelta(minutes=1))
                quiet = daemon.poll(NOW + timedelta(minutes=6))
                poll_wall, poll_requests = quiet.wall, quiet.requests
        stored = count_objects(calendar_url)
        if result.created != n or stored != n:
            raise BenchError(f"distant {method}: created {result.created}, calendar holds {stored}, expected {n}")
    return DistantRun(result, seen, connections, poll_wall, poll_requests)


def bench_distant(results: Results, s: Settings, work: Path, say: Progress) -> None:
    n, ms = s.distant_people, s.latency * 1000
    server = SERVER_NAMES[s.distant_server]
    section = f"3. First sync, distant server ({server} + {ms:g} ms per round trip), {n:,} people"
    runs: dict[str, list[DistantRun]] = {"naive": [], "reconnectd": []}
    for run in range(s.runs):
        for method in rotated(["naive", "reconnectd"], run):
            one = distant_run(method, s.distant_server, n=n, latency=s.latency, work=work, run=run)
            runs[method].append(one)
            say(
                f"distant run {run + 1}: {method:10} {one.result.wall:7.2f} s, {one.result.requests} requests "
                f"(proxy saw {one.proxy_requests} on {one.connections} connections)"
            )
    for method, got in runs.items():
        results.add(section, f"{method}: wall time", "s", [g.result.wall for g in got])
        results.add(section, f"{method}: HTTP requests (client count)", "count", [g.result.requests for g in got])
        results.add(section, f"{method}: HTTP requests (proxy count)", "count", [g.proxy_requests for g in got])
        results.add(section, f"{method}: TCP connections", "count", [g.connections for g in got])
        mismatched = [g for g in got if g.proxy_requests != g.result.requests]
        if mismatched:
            results.notes.append(f"distant {method}: the proxy counted a different number of requests than the client")
    results.add(
        section,
        "speed-up of reconnectd over naive",
        "x",
        [a.result.wall / b.result.wall for a, b in zip(runs["naive"], runs["reconnectd"], strict=True)],
        target=Target(">=", 3, ">= 3x"),
    )
    ours = runs["reconnectd"]
    results.add(section, "reconnectd no-change poll: time", "s", [g.poll_wall for g in ours])
    results.add(section, "reconnectd no-change poll: requests", "count", [g.poll_requests for g in ours])
    floor = n * s.latency
    results.notes.append(
        f"distant: {n:,} strictly sequential requests cannot take less than {floor:.0f} s at {ms:g} ms each; "
        "the proxy adds one more round trip per new TCP connection"
    )


# -- 5 and 6. the daemon as a process ---------------------------------------------


@dataclass(frozen=True)
class DaemonRun:
    cold: float
    cold_peak_mb: float
    warm: float
    stop: float | None
    cpu_per_minute: float
    wakeups: int
    involuntary: int
    rss_mb: float
    peak_mb: float
    threads: int


def daemon_run(n: int, idle: float, work: Path, run: int) -> DaemonRun:
    root = work / f"daemon-{run}"
    root.mkdir(parents=True)
    # Nothing may come due during the window: check-ins sit three hours from now, polls an hour apart.
    local = datetime.now(ZoneInfo(ZONE))
    at = (local + timedelta(hours=3)).strftime("%H:%M")
    with running("radicale", root / "radicale") as server:
        calendar_url = make_calendar(server.url, "Reconnect")
        path = root / "config.yaml"
        path.write_text(config_yaml(n, today=local.date(), url=server.url, poll="1h", at=at))
        state = root / "state"
        with DaemonProcess(path, state, root) as first:
            first.start()
            cold = first.wait_ready(timeout=900)
            cold_peak = sample(first.pid).peak_rss_mb
            first.stop()
        stored = count_objects(calendar_url)
        if stored != n:
            raise BenchError(f"daemon: the first start left {stored} objects, expected {n}")
        with DaemonProcess(path, state, root) as again:
            again.start()
            warm = again.wait_ready(timeout=300)
            time.sleep(1)  # let it finish the bookkeeping after READY and fall asleep
            before = sample(again.pid)
            time.sleep(idle)
            after = sample(again.pid)
            if not again.alive():
                raise BenchError(f"daemon: exited during the idle window; log: {again.log_path}")
            stopped = again.stop()
    window = after.at - before.at
    return DaemonRun(
        cold=cold,
        cold_peak_mb=cold_peak,
        warm=warm,
        stop=stopped,
        cpu_per_minute=(after.cpu - before.cpu) / window * 60,
        wakeups=after.voluntary - before.voluntary,
        involuntary=after.involuntary - before.involuntary,
        rss_mb=after.rss_mb,
        peak_mb=after.peak_rss_mb,
        threads=after.threads,
    )


def bench_daemon(results: Results, s: Settings, work: Path, say: Progress) -> None:
    n = s.people
    runs = []
    for run in range(s.runs):
        got = daemon_run(n, s.idle, work, run)
        runs.append(got)
        say(
            f"daemon run {run + 1}: first start {got.cold:.1f} s, restart {got.warm:.2f} s, "
            f"idle {got.cpu_per_minute:.3f} CPU-s/min, {got.wakeups} wakeups, {got.rss_mb:.1f} MB"
        )
    idle = f"5. Idle daemon (reconnectd run, {n:,} people, {s.idle:g} s window, nothing due)"
    results.add(
        idle, "CPU time per minute", "s", [r.cpu_per_minute for r in runs], target=Target("<", 0.1, "< 0.1 s/min")
    )
    results.add(idle, "wakeups (voluntary context switches) in the window", "count", [r.wakeups for r in runs])
    results.add(idle, "involuntary context switches in the window", "count", [r.involuntary for r in runs])
    results.add(idle, "resident memory (VmRSS)", "MB", [r.rss_mb for r in runs], target=Target("<", 80, "< 80 MB"))
    results.add(idle, "peak resident memory since start (VmHWM)", "MB", [r.peak_mb for r in runs])
    results.add(idle, "peak resident memory of a first start (VmHWM)", "MB", [r.cold_peak_mb for r in runs])
    results.add(idle, "threads", "count", [r.threads for r in runs])
    start = "6. Startup (process start to READY=1 on NOTIFY_SOCKET)"
    results.add(start, f"first start: empty calendar, no state ({n:,} events to write)", "s", [r.cold for r in runs])
    results.add(start, "restart: calendar already in sync", "s", [r.warm for r in runs])
    stops = [r.stop for r in runs if r.stop is not None]
    if stops:
        results.add(start, "stop: SIGTERM to exit", "s", stops)
    if len(stops) < len(runs):
        results.notes.append("daemon: did not stop within 15 s of SIGTERM at least once (killed)")
    results.notes.append("idle: the window starts 1 s after READY=1 of a restart; wakeups are summed over all threads")
    unread.bench_unread(results, s.runs, min(n, 100), work, say)


# -- main -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    settings, out, strict = parse_args(argv)
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1"  # never route loopback through a proxy
    loading.compile_package()  # every timed reconnectd process starts as an installed one does
    say = Progress()
    info = machine()
    results = Results(info, dataclasses.asdict(settings))
    sections: dict[str, Callable[[Results, Settings, Path, Progress], None]] = {
        "config": bench_config,
        "commands": bench_commands,
        "planning": lambda r, s, _w, p: bench_planning(r, s, p),
        "local": bench_local,
        "distant": bench_distant,
        "daemon": bench_daemon,
        "history": lambda r, s, w, p: history.bench_history(r, s.runs, s.quick, w, p),
        "peer": lambda r, s, w, p: peer.bench_peer(
            r, runs=s.runs, latency=s.latency, options=s.peer, work=w, say=p, rotated=rotated
        ),
    }
    broken: list[str] = []
    with tempfile.TemporaryDirectory(prefix="reconnectd-bench-", ignore_cleanup_errors=True) as tmp:
        for name in settings.sections:
            say(f"section {name}")
            try:
                sections[name](results, settings, Path(tmp) / name, say)
            except Exception as failure:  # one broken section must not lose the others' figures
                traceback.print_exc(file=sys.stderr)
                broken.append(name)
                results.notes.append(f"section {name} did not finish: {type(failure).__name__}: {failure}")
    info["load_at_end"] = load()
    if settings.people < 1000 or settings.runs < 3:
        results.notes.append(
            f"{settings.people} people, {settings.runs} run(s): the targets are set for the full run (1,000 people,"
            " medians of 3), where fixed costs weigh less; a miss here is a hint, not a verdict"
        )
    print(describe(info))
    print()
    print(table(results))
    for note in results.notes:
        print(f"note: {note}")
    results.write_json(out)
    print(f"\nwritten to {out}")
    if broken:
        return 2
    return 1 if strict and results.failed else 0
