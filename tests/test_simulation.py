"""Two months of a hostile world, in CI. `scripts/soak` runs the whole year (see tests/simulation.py)."""

from __future__ import annotations

import http.client
import os
from pathlib import Path

import pytest
from faultproxy import Fault, FaultProxy, connection_refused
from servers import RadicaleServer
from simulation import Simulation

SEED = int(os.environ.get("RECONNECTD_SIM_SEED", "20261128"))


@pytest.mark.slow
def test_sixty_days_of_crashes_outages_and_edits_lose_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = Simulation(tmp_path, seed=SEED, days=60, people=40, crash_rate=0.06, sync_rate=0.15).run()
    with capsys.disabled():
        print("\n  " + "\n  ".join(figures.lines()))
    assert figures.violations == []
    assert figures.crashes.total() >= 3
    assert figures.side_syncs >= 5  # `reconnectd sync` beside the daemon, racing it to each nudge
    assert figures.checkins_due > 100
    assert figures.nudges_delivered == figures.nudges_queued
    assert set(figures.faults) >= {"refused", "503", "412", "timeout"}


def _delete(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("DELETE", "/me/nothing.ics")
        return connection.getresponse().status
    finally:
        connection.close()


def test_the_fault_proxy_refuses_fails_and_recovers(radicale: RadicaleServer) -> None:
    with FaultProxy(radicale.port) as proxy:
        assert _delete(proxy.port) == 404  # passed through to Radicale
        proxy.inject(Fault("status", 2, status=503))
        assert [_delete(proxy.port) for _ in range(3)] == [503, 503, 404]
        proxy.refuse()
        assert connection_refused(proxy.port)
        proxy.accept()
        assert _delete(proxy.port) == 404
