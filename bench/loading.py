"""Config loading and command start-up, each measured in a fresh Python process.

Config loading: `load_config` (read, parse, validate) against a bare `yaml.load` with libyaml's
C loader on the same file, and the peak resident memory of a process that only loads it.
Commands: `status`, `plan`, `done` and `history` as real subprocesses against
`python -c "import yaml, icalendar"`, the imports no command can do without.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.workload import config_yaml

# Run in a child: time the bare C load and our load of one file, then report the peak RSS.
PROBE = """
import json, resource, sys, time
from pathlib import Path
import yaml
path, what = Path(sys.argv[1]), sys.argv[2]
if what == "bare":
    start, cpu = time.perf_counter(), time.process_time()
    yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
else:
    from reconnectd.config.load import load_config
    start, cpu = time.perf_counter(), time.process_time()
    load_config(path)
wall, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({"wall": wall, "cpu": cpu, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


@dataclass(frozen=True)
class LoadRun:
    wall: float
    peak_mb: float
    cpu: float  # the process's CPU time: on a shared machine, what the wall time would be on an idle one


def write_config(n: int, work: Path) -> Path:
    path = work / f"config-{n}.yaml"
    if not path.exists():
        work.mkdir(parents=True, exist_ok=True)
        path.write_text(short_config(n))
    return path


def short_config(n: int) -> str:
    """One short line a person (about 37 bytes), as in the issue's 4 MB file of 120,000 people."""
    cadences = ("weekly", "2 weeks", "monthly", "3 months")
    people = "".join(f"  - {{name: P{i:06d}, every: {cadences[i % 4]}}}\n" for i in range(n))
    return f"timezone: Europe/London\npeople:\n{people}"


def load(path: Path, what: str) -> LoadRun:
    """`what` is "bare" (yaml.load with CSafeLoader) or "ours" (load_config)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(path), what], check=True, capture_output=True, text=True, timeout=600
    )
    got = json.loads(out.stdout)
    return LoadRun(got["wall"], got["peak_kb"] / 1024, got["cpu"])


COMMANDS = (["status"], ["plan"], ["done", "Person 00001"], ["history", "Person 00001"])
FLOOR = [sys.executable, "-c", "import yaml, icalendar"]


def command_setup(work: Path, people: int) -> tuple[Path, Path]:
    """A config of `people` and an empty state folder, as a new user has them."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "commands.yaml"
    path.write_text(config_yaml(people, today=date(2026, 3, 2)))
    state = work / "state"
    state.mkdir(exist_ok=True)
    return path, state


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env, timeout=300)
    return time.perf_counter() - start


def cpu_timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run. CPU time (user + system of the child) is what the command costs
    itself: on a machine shared with other work it varies far less than the wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(argv, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def command_argv(command: list[str], config: Path, state: Path) -> list[str]:
    return [sys.executable, "-m", "reconnectd", "--config", str(config), "--state-dir", str(state), *command]


def compile_package() -> None:
    """reconnectd's modules compiled in place, once, as pip does on install. A checkout (an editable install)
    run with PYTHONDONTWRITEBYTECODE set would compile every module again on every start, which the packages
    it is measured against, compiled by pip, never pay."""
    import compileall  # noqa: PLC0415

    import reconnectd  # noqa: PLC0415

    compileall.compile_dir(Path(reconnectd.__file__).parent, quiet=1)


def environment(work: Path) -> dict[str, str]:
    """As an installed reconnectd runs, from a home of its own (its modules compiled: `compile_package`)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(HOME=str(work), XDG_CONFIG_HOME=str(work / "xdg"), XDG_STATE_HOME=str(work / "xdg-state"))
    return env
