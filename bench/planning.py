"""Planning alone: time and peak memory of `plan()` for N people, pure and in-process.

Two cases: the first plan (empty ledger, every person gets a new slot) and a re-plan with
every person's check-in and dates already in the ledger, which is what each daemon cycle does.
Both run in a process that has planned the same people before (`prepare`), as a running daemon
has: what reconnectd keeps between plans (each person's suggestion orders, their keys) is
already there. `fresh_first` times a first plan in a new process, with nothing kept yet: what
the daemon's very first cycle pays.

`measure_preview` times `reconnectd plan --days 30` (the preview walk, in-process) against one
cycle's plan of the same people: the walk must cost a small factor of that, at any size.

Everyone has dates (`workload.people_yaml(dates=True)`): a birthday each, an anniversary for
one in four, a one-off event for one in ten; so the plan holds about 1.35 all-day events per
person beside the check-ins, and a few of those dates' nudges are due.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from datetime import timedelta

from bench.report import ROOT
from bench.workload import NOW, config
from reconnectd.policy.ledger import Ledger
from reconnectd.policy.plan import plan
from reconnectd.policy.preview import preview
from reconnectd.policy.settings import Config

PREVIEW_DAYS = 30  # as `reconnectd plan` shows by default


@dataclass(frozen=True)
class PlanRun:
    first: float  # seconds
    again: float
    first_peak: int | None = None  # bytes allocated at peak (tracemalloc)
    again_peak: int | None = None


def _timed(cfg: Config, ledger: Ledger) -> float:
    gc.collect()
    start = time.perf_counter()
    plan(cfg, ledger, NOW + timedelta(minutes=5) if ledger.checkins else NOW)
    return time.perf_counter() - start


def _peak(cfg: Config, ledger: Ledger) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        plan(cfg, ledger, NOW + timedelta(minutes=5) if ledger.checkins else NOW)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def prepare(count: int) -> tuple[Config, Ledger]:
    """The config of `count` people, and the ledger their first plan leaves (setup, not measured)."""
    cfg = config(count, dates=True)
    first = plan(cfg, Ledger(), NOW)
    return cfg, Ledger(checkins=tuple(p.checkin for p in first.upcoming))


def fresh_first(count: int) -> float:
    """Seconds of a first plan of `count` people in a new Python process (its setup not measured)."""
    code = "import sys; from bench.planning import _fresh; print(_fresh(int(sys.argv[1])))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(count)], cwd=ROOT, capture_output=True, text=True, check=True, timeout=600
    )
    return float(done.stdout)


def _fresh(count: int) -> float:
    return _timed(config(count, dates=True), Ledger())


def measure(cfg: Config, ledger: Ledger, *, memory: bool) -> PlanRun:
    """Times, and with `memory` the peaks too: they are the same every run, and tracing is slow."""
    empty = Ledger()
    if not memory:
        return PlanRun(_timed(cfg, empty), _timed(cfg, ledger))
    return PlanRun(_timed(cfg, empty), _timed(cfg, ledger), _peak(cfg, empty), _peak(cfg, ledger))


@dataclass(frozen=True)
class PreviewRun:
    walk: float  # seconds of preview() over PREVIEW_DAYS days
    cycle: float  # seconds of one cycle's plan() of the same people and ledger


def measure_preview(cfg: Config, ledger: Ledger) -> PreviewRun:
    """`plan --days 30` as a running daemon's user sees it (everyone's check-in in the ledger), and one cycle."""
    moment = NOW + timedelta(minutes=5)
    gc.collect()
    start = time.perf_counter()
    preview(cfg, ledger, moment, moment + timedelta(days=PREVIEW_DAYS))
    walk = time.perf_counter() - start
    return PreviewRun(walk, _timed(cfg, ledger))
