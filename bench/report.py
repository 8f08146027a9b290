"""Figures, their targets, the printed table and the JSON file."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = ("reconnectd", "caldav", "niquests", "icalendar", "radicale", "xandikos")

Unit = Literal["s", "bytes", "MB", "x", "count", "ratio"]
Op = Literal["<=", "<", ">="]


@dataclass(frozen=True)
class Target:
    op: Op
    bound: float
    text: str  # how it reads in the table, e.g. "<= 1.15x floor"

    def met(self, value: float) -> bool:
        if self.op == "<=":
            return value <= self.bound
        if self.op == "<":
            return value < self.bound
        return value >= self.bound

    def miss(self, value: float) -> str:
        """How far a failing value is from the bound, as a factor."""
        if value == 0 or self.bound == 0:
            return ""
        factor = value / self.bound if self.op in ("<=", "<") else self.bound / value
        return f"{factor:.1f}x over" if self.op in ("<=", "<") else f"{factor:.1f}x short"


@dataclass
class Figure:
    section: str
    name: str
    unit: Unit
    runs: list[float]
    target: Target | None = None
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.target.met(self.median)

    def as_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "unit": self.unit,
            "median": self.median,
            "runs": self.runs,
            "target": None if self.target is None else {"op": self.target.op, "bound": self.target.bound},
            "target_text": None if self.target is None else self.target.text,
            "passed": self.passed,
            "note": self.note,
        }


@dataclass
class Results:
    machine: dict[str, Any]
    settings: dict[str, Any]
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(
        self,
        section: str,
        name: str,
        unit: Unit,
        runs: Sequence[float],
        *,
        target: Target | None = None,
        note: str = "",
    ) -> Figure:
        figure = Figure(section, name, unit, list(runs), target, note)
        self.figures.append(figure)
        return figure

    @property
    def failed(self) -> list[Figure]:
        return [f for f in self.figures if f.passed is False]

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        checked = [f for f in self.figures if f.passed is not None]
        data = {
            "machine": self.machine,
            "settings": self.settings,
            "figures": [f.as_json() for f in self.figures],
            "targets": {"checked": len(checked), "failed": len(self.failed)},
            "notes": self.notes,
        }
        path.write_text(json.dumps(data, indent=2) + "\n")


def fmt(value: float, unit: Unit) -> str:
    if unit == "s":
        if value == 0:
            return "0 s"
        if value < 1e-3:
            return f"{value * 1e6:.0f} µs"
        return f"{value * 1e3:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "bytes":
        return f"{value / 1e6:.2f} MB" if value >= 1e5 else f"{value / 1e3:.1f} kB"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "ratio":
        return f"{value:.3f}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def table(results: Results) -> str:
    """The figures as an aligned text table, grouped by section."""
    header = ("figure", "median", "min - max", "runs", "target", "result")
    rows: list[tuple[str, ...] | str] = []
    section = None
    for f in sorted(results.figures, key=lambda f: f.section):  # stable: sections in order, figures as added
        if f.section != section:
            section = f.section
            rows.append(section)
        spread = f"{fmt(min(f.runs), f.unit)} - {fmt(max(f.runs), f.unit)}" if len(f.runs) > 1 else ""
        result = ""
        if f.target is not None:
            result = "PASS" if f.passed else f"FAIL ({f.target.miss(f.median)})"
        rows.append(
            ("  " + f.name, fmt(f.median, f.unit), spread, str(len(f.runs)), f.target.text if f.target else "", result)
        )
    cells = [r for r in rows if isinstance(r, tuple)]
    widths = [max(len(c[i]) for c in [header, *cells]) for i in range(len(header))]
    right = {1, 3}  # numbers are right-aligned

    def line(cols: tuple[str, ...]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cols, widths, strict=True)))
        return "  ".join(padded).rstrip()

    out = [line(header), "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(r if isinstance(r, str) else line(r))
    checked = [f for f in results.figures if f.passed is not None]
    out.append("")
    out.append(f"targets: {len(checked) - len(results.failed)} of {len(checked)} met")
    out += [f"note: {f.name}: {f.note}" for f in results.figures if f.note]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                model = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)),
        "memory_mb": _memory_mb(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "packages": {name: _version(name) for name in PACKAGES},
        "commit": _git("rev-parse", "--short", "HEAD"),
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_at_start": load(),
    }


def load() -> list[float]:
    """1, 5 and 15 minute load averages: other work on the machine makes figures noisier."""
    return [round(x, 2) for x in os.getloadavg()]


def describe(info: dict[str, Any]) -> str:
    packages = ", ".join(f"{k} {v}" for k, v in info["packages"].items())
    commit = f"{info['commit']}{' (modified)' if info['dirty'] else ''}"
    return (
        f"machine: {info['cpu']}, {info['usable_cores']} of {info['cores']} cores usable, "
        f"{info['memory_mb']} MB RAM, Linux {info['kernel']}\n"
        f"python {info['python']}; {packages}\n"
        f"reconnectd commit {commit}; measured {info['date']}; "
        f"load average {info['load_at_start'][0]:.2f} at start, {info.get('load_at_end', ['?'])[0]} at end"
    )


def _memory_mb() -> int | None:
    try:
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                return int(text.split()[1]) // 1024
    except OSError:
        pass
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip()
