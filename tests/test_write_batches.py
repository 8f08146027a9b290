"""The answers to a cycle's creates reach the store in batches (one transaction, one sync to disk, for many):
a cycle stopped part way keeps every answer it heard, and the next one finishes without a duplicate."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from peer import Peer
from servers import RadicaleServer

from reconnectd.calendar.client import CalendarClient
from reconnectd.config.load import parse_config
from reconnectd.daemon.cycle import ANSWERS_AT_ONCE, run_cycle
from reconnectd.notify.notifier import Notifier
from reconnectd.state import Store

PEOPLE = ANSWERS_AT_ONCE + 17  # more than one batch, and a part batch at the end
NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
CONFIG = "timezone: Europe/London\npeople:\n" + "".join(
    f"  - name: Person {i:03d}\n    every: {('weekly', 'monthly', '2 weeks')[i % 3]}\n" for i in range(PEOPLE)
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadicaleServer]:
    with RadicaleServer(tmp_path_factory.mktemp("radicale")) as running:
        yield running


def on_server(server: RadicaleServer, name: str) -> set[str]:
    peer = Peer(server.url, "sam", "x")
    try:
        return set(peer.objects(peer.calendar_url(name)))
    finally:
        peer.close()


@pytest.mark.parametrize("stop_after", [7, ANSWERS_AT_ONCE + 3])
def test_a_first_sync_stopped_part_way_keeps_every_answer_and_the_next_finishes_it(
    tmp_path: Path, server: RadicaleServer, stop_after: int
) -> None:
    name = f"Batches {stop_after}"
    config = parse_config(CONFIG, "batches.yaml")
    written = []
    with Store(tmp_path / "state.db") as store, CalendarClient(server.url, "sam", "x") as client:
        client.open(name)
        first = run_cycle(
            config,
            store,
            client,
            Notifier(()),
            NOW,
            interrupted=lambda: len(written) >= stop_after,
            progress=lambda done, _total: written.append(done),
        )
        known = {o.href for o in store.owned().values() if o.href}
        heard = [o for o in store.owned().values() if o.href and o.fingerprint]  # recorded as written by us
    assert len(heard) == first.created >= stop_after
    assert len(known) >= first.created  # the read-back after writing may find one still in flight, unheard
    assert known <= on_server(server, name)
    with Store(tmp_path / "state.db") as store, CalendarClient(server.url, "sam", "x") as client:
        client.open(name)
        second = run_cycle(config, store, client, Notifier(()), NOW + timedelta(minutes=5))
        owned = {o.href for o in store.owned().values() if o.href}
        third = run_cycle(config, store, client, Notifier(()), NOW + timedelta(minutes=10))
    assert second.calendar_error is None and second.conflicts == 0
    assert len(owned) == PEOPLE
    assert on_server(server, name) == owned  # one object each, nothing twice
    assert third.wrote == 0
