"""Signals reach a real `reconnectd run` at any moment of its start-up: a SIGHUP then is a reload
done once started, never the end of the process."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

HANG_GUARD = 120  # seconds; only a hang ever waits this long


def lines_of(process: subprocess.Popen[str]) -> tuple[queue.Queue[str | None], threading.Thread]:
    found: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            found.put(line)
        found.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return found, reader


def wait_for(found: queue.Queue[str | None], text: str, seen: list[str]) -> None:
    while True:
        line = found.get(timeout=HANG_GUARD)
        assert line is not None, f"ended before {text!r}:\n{''.join(seen)}"
        seen.append(line)
        if text in line:
            return


def test_a_sighup_during_start_up_is_a_reload_after_it(embedded_config: Path, tmp_path: Path) -> None:
    for trial in range(6):
        command = [sys.executable, "-m", "reconnectd", "--config", str(embedded_config)]
        command += ["--state-dir", str(tmp_path / f"s{trial}"), "run"]
        daemon = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        (found, reader), seen = lines_of(daemon), []
        try:
            line = found.get(timeout=HANG_GUARD)  # the first sign of life: start-up has begun
            assert line is not None
            seen.append(line)
            daemon.send_signal(signal.SIGHUP)  # while it reads its config and reaches the calendar
            wait_for(found, "config reloaded", seen)
            daemon.send_signal(signal.SIGTERM)
            assert daemon.wait(timeout=HANG_GUARD) == 0, "".join(seen)
        finally:
            if daemon.poll() is None:
                daemon.kill()
                daemon.wait()
            reader.join(timeout=HANG_GUARD)
            assert daemon.stderr is not None
            daemon.stderr.close()
