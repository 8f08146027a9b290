"""Section 8: reconnectd beside a peer, vdirsyncer, putting the same events into the same empty calendar.

Each row is one server (Radicale, Xandikos), one size (300, 1,000 events) and one distance
(local, or behind `latency` per round trip). In each run every method gets a fresh server and
its own calendar, in an order that rotates from run to run (A B C, B C A, C A B), and every
method but the local floor talks to the server through the same counting proxy
(`bench/proxy.py`, with no added delay when local):

- floor (local): a bare keep-alive loop of PUTs of the same bytes, straight to the server;
- naive (distant): caldav's `Calendar.add_event` in a loop, the baseline a distant sync beats;
- vdirsyncer: the same events as .ics files in a local vdir, then `vdirsyncer discover` and
  `vdirsyncer sync` (a filesystem storage paired with a caldav storage), as processes;
- reconnectd: `reconnectd sync` as a process, from an empty state, as a new user runs it.

The two processes are timed from start to exit, imports included. Each row also gives the client's CPU
time (the process's, or the bench thread's for the floor and the naive loop), which a busy machine
blurs less than wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.proxy import LatencyProxy
from bench.report import Results, Target
from bench.sync import BenchError, floor_sync, naive_sync
from bench.workload import (
    NOW,
    PASSWORD,
    SERVER_NAMES,
    USERNAME,
    ZONE,
    config,
    config_yaml,
    count_objects,
    make_calendar,
    rendered_events,
    running,
)

SIZES = (300, 1000)
median = statistics.median
PLACES = ("local", "distant")
LOCAL_TARGET = 1.15  # reconnectd's wall time at most this many floors, locally
DISTANT_SPEEDUP = 3.0  # reconnectd at least this many times faster than the naive loop, distant
TIMEOUT = 1800  # seconds: one process may not take longer than this (1,000 events, 100 ms, one at a time)


@dataclass(frozen=True)
class PeerOptions:
    sizes: tuple[int, ...] = SIZES
    servers: tuple[str, ...] = ("radicale", "xandikos")
    places: tuple[str, ...] = PLACES


DEFAULT = PeerOptions()


def vdirsyncer_command() -> list[str] | None:
    """vdirsyncer from the bench extra, beside this Python; None when it is not installed."""
    found = Path(sys.executable).parent / "vdirsyncer"
    return [str(found)] if found.exists() else None


@dataclass(frozen=True)
class PeerResult:
    wall: float  # seconds
    requests: int  # HTTP requests the server was sent (the proxy's count; the floor's own)
    connections: int  # TCP connections opened (the floor: 1, or one per request on Radicale)
    cpu: float  # the client's CPU seconds, user and system: steadier than wall time on a busy machine


def _environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HOME=str(work),
        XDG_CONFIG_HOME=str(work / "xdg"),
        XDG_STATE_HOME=str(work / "xdg-state"),
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
    )
    return env


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(argv: list[str], work: Path, what: str) -> tuple[float, float]:
    """Wall time and CPU time of one process, start to exit."""
    log = work / f"{what}.log"
    with log.open("wb") as out:
        cpu, start = _children_cpu(), time.perf_counter()
        done = subprocess.run(argv, stdout=out, stderr=out, env=_environment(work), timeout=TIMEOUT, check=False)
        wall, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise BenchError(f"{what} exited with {done.returncode}:\n{tail}")
    return wall, cpu


def vdirsyncer_config(work: Path, calendar_url: str) -> Path:
    """A pair of a filesystem vdir (the events as .ics files) and the calendar itself."""
    path = work / "vdirsyncer.conf"
    path.write_text(
        "[general]\n"
        f'status_path = "{work / "status"}/"\n\n'
        "[pair bench]\n"
        'a = "events"\nb = "calendar"\ncollections = null\nconflict_resolution = "a wins"\n\n'
        "[storage events]\n"
        f'type = "filesystem"\npath = "{work / "vdir"}/"\nfileext = ".ics"\n\n'
        "[storage calendar]\n"
        f'type = "caldav"\nurl = "{calendar_url}"\nusername = "{USERNAME}"\npassword = "{PASSWORD}"\n'
    )
    return path


def vdirsyncer_sync(
    command: list[str], calendar_url: str, events: list[tuple[str, bytes]], work: Path
) -> tuple[float, float]:
    """`vdirsyncer discover`, then `vdirsyncer sync`, of a vdir holding the events."""
    vdir = work / "vdir"
    vdir.mkdir(parents=True)
    for uid, body in events:
        (vdir / f"{uid}.ics").write_bytes(body)
    conf = vdirsyncer_config(work, calendar_url)
    found = _timed([*command, "--config", str(conf), "discover"], work, "vdirsyncer-discover")
    synced = _timed([*command, "--config", str(conf), "sync"], work, "vdirsyncer-sync")
    return found[0] + synced[0], found[1] + synced[1]


def reconnectd_sync(server_url: str, n: int, work: Path) -> tuple[float, float]:
    """`reconnectd sync` from an empty state: discovery, plan, writes, the read-back."""
    path = work / "config.yaml"
    path.write_text(config_yaml(n, today=NOW.date(), url=server_url))
    moment = NOW.astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%dT%H:%M")
    argv = [sys.executable, "-m", "reconnectd", "--config", str(path), "--state-dir", str(work / "state")]
    return _timed([*argv, "sync", "--now", moment], work, "reconnectd-sync")


def one(method: str, kind: str, n: int, *, latency: float | None, work: Path, command: list[str] | None) -> PeerResult:
    """One method on a fresh server: through the proxy unless it is the local floor."""
    work.mkdir(parents=True)
    with running(kind, work / "server") as server:
        calendar_url = make_calendar(server.url, "Reconnect")  # setup, straight to the server
        events = rendered_events(config(n))
        if method == "floor":
            cpu = time.thread_time()
            wall = floor_sync(calendar_url, events).wall
            cpu = time.thread_time() - cpu
            requests, connections = n, n if kind == "radicale" else 1
        else:
            with LatencyProxy(server.port, latency or 0.0) as proxy:
                far = calendar_url.replace(server.url, proxy.url, 1)
                if method == "naive":
                    cpu = time.thread_time()
                    wall = naive_sync(proxy.url, far, events).wall
                    cpu = time.thread_time() - cpu
                elif method == "vdirsyncer":
                    assert command is not None
                    wall, cpu = vdirsyncer_sync(command, far, events, work)
                else:
                    wall, cpu = reconnectd_sync(proxy.url, n, work)
                requests, connections = proxy.requests, proxy.connections
        stored = count_objects(calendar_url)
    if stored != n:
        raise BenchError(f"{kind} {method}: the calendar holds {stored} objects, expected {n}")
    return PeerResult(wall, requests, connections, cpu)


def bench_peer(
    results: Results,
    *,
    runs: int,
    latency: float,
    options: PeerOptions,
    work: Path,
    say: Callable[[str], None],
    rotated: Callable[[list[str], int], list[str]],
) -> None:
    command = vdirsyncer_command()
    if command is None:
        raise BenchError("vdirsyncer is not installed: bench/run installs it (pip install -e '.[bench]')")
    ms = latency * 1000
    for place in options.places:
        for kind in options.servers:
            for n in options.sizes:
                far = place == "distant"
                methods = ["naive", "vdirsyncer", "reconnectd"] if far else ["floor", "vdirsyncer", "reconnectd"]
                got: dict[str, list[PeerResult]] = {m: [] for m in methods}
                for run in range(runs):
                    for method in rotated(methods, run):
                        root = work / f"{place}-{kind}-{n}-{method}-{run}"
                        result = one(method, kind, n, latency=latency if far else None, work=root, command=command)
                        got[method].append(result)
                        say(
                            f"peer {place} {kind} {n}: run {run + 1}/{runs} {method:10} {result.wall:7.2f} s,"
                            f" {result.requests} requests on {result.connections} connections,"
                            f" client CPU {result.cpu:.2f} s"
                        )
                where = f"{ms:g} ms per round trip" if far else "local"
                section = f"8. Beside vdirsyncer: first sync, {SERVER_NAMES[kind]}, {where}, {n:,} events"
                _add_rows(results, section, methods, got, far=far)
    results.notes.append(
        "beside vdirsyncer: each method on a fresh server in a rotating order (A B C, B C A, C A B); all but the"
        " local floor through the same counting proxy (no added delay when local); vdirsyncer (discover + sync of"
        " a vdir holding the same .ics files) and `reconnectd sync` are timed as processes, imports included"
    )


def _add_rows(
    results: Results, section: str, methods: list[str], got: dict[str, list[PeerResult]], *, far: bool
) -> None:
    base = methods[0]  # the floor (local) or the naive loop (distant)
    walls = {m: [r.wall for r in got[m]] for m in methods}
    for method in methods:
        results.add(section, f"{method}: wall time", "s", walls[method])
        results.add(section, f"{method}: HTTP requests", "count", [r.requests for r in got[method]])
        results.add(section, f"{method}: TCP connections", "count", [r.connections for r in got[method]])
        results.add(section, f"{method}: client CPU time", "s", [r.cpu for r in got[method]])
    summary = []
    for method in methods:
        ratios = [w / b for w, b in zip(walls[method], walls[base], strict=True)]
        runs = ", ".join(f"{w:.2f}" for w in walls[method])
        summary.append(f"{method} {median(walls[method]):.2f} s ({runs}; {median(ratios):.2f}x the {base})")
        if method == base:
            continue
        target = Target("<=", LOCAL_TARGET, f"<= {LOCAL_TARGET}x") if method == "reconnectd" and not far else None
        results.add(section, f"{method} / {base} (wall time)", "x", ratios, target=target)
    if far:
        speedups = [b / w for w, b in zip(walls["reconnectd"], walls[base], strict=True)]
        target = Target(">=", DISTANT_SPEEDUP, f">= {DISTANT_SPEEDUP:g}x")
        results.add(section, "speed-up of reconnectd over naive", "x", speedups, target=target)
    ahead = [r / v for r, v in zip(walls["reconnectd"], walls["vdirsyncer"], strict=True)]
    results.add(section, "reconnectd / vdirsyncer (wall time)", "x", ahead, target=Target("<", 1, "< 1x (ahead)"))
    results.notes.append(f"{section.split(': ', 1)[1]}: " + "; ".join(summary))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sizes = ",".join(str(n) for n in SIZES)
    parser.add_argument("--peer-sizes", help=f"events per row beside vdirsyncer (default {sizes}; quick 50)")
    parser.add_argument("--peer-servers", help="servers beside vdirsyncer (default radicale,xandikos)")
    parser.add_argument("--peer-places", help="local, distant or both (default local,distant)")


def options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> PeerOptions:
    def listed(text: str | None, default: tuple[str, ...], allowed: tuple[str, ...], flag: str) -> tuple[str, ...]:
        chosen = tuple(t.strip() for t in text.split(",")) if text else default
        wrong = [c for c in chosen if c not in allowed]
        if wrong:
            parser.error(f"{flag}: unknown {', '.join(wrong)} (choose from {', '.join(allowed)})")
        return chosen

    servers = listed(args.peer_servers, tuple(SERVER_NAMES), tuple(SERVER_NAMES), "--peer-servers")
    places = listed(args.peer_places, PLACES, PLACES, "--peer-places")
    try:
        sizes = tuple(int(t) for t in args.peer_sizes.split(",")) if args.peer_sizes else None
    except ValueError:
        parser.error(f"--peer-sizes: whole numbers, comma-separated, not {args.peer_sizes!r}")
    if sizes is None:
        sizes = (50,) if args.quick else SIZES
    if any(n < 1 for n in sizes):
        parser.error("--peer-sizes: each size at least 1")
    return PeerOptions(sizes, servers, places)
