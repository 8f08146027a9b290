"""The docs cannot drift: the reference is generated from the schema, and the example shows every key."""

from __future__ import annotations

from pathlib import Path

from reconnectd.reference import paths, reference

ROOT = Path(__file__).parent.parent


def test_the_committed_reference_is_what_the_schema_generates() -> None:
    committed = (ROOT / "docs" / "configuration.md").read_text()
    assert committed == reference(), "run: python -m reconnectd.reference > docs/configuration.md"


def test_every_option_appears_in_the_example_config() -> None:
    example = (ROOT / "config.example.yaml").read_text()
    missing = [p for p in paths() if "LABEL" not in p and f"{p.rsplit('.', 1)[-1]}:" not in example]
    assert missing == []
