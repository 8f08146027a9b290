"""reconnectd's command line, run in the test's own process."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconnectd.cli import main


def run_command(config: Path, state: Path, *args: str) -> int:
    """`reconnectd --config CONFIG --state-dir STATE ARGS...`: its exit code."""
    with pytest.raises(SystemExit) as exited:
        main(["--config", str(config), "--state-dir", str(state), *args])
    return int(exited.value.code or 0)
