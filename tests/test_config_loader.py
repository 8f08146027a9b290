"""The C loader (libyaml) and the pure one read every config alike: same nodes, same lines, same problems."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from reconnectd.config import nodes
from reconnectd.config.load import parse_config
from reconnectd.errors import ConfigError

PIECES = [
    "timezone: Europe/London\n",
    "people:\n",
    "  - name: Ann\n",
    "    every: 2 weeks\n",
    "  - {name: Bo, every: monthly}\n",
    "  - name: 'C: d'\n",
    '    note: "a \\q"\n',
    "  -\tname: Tab\n",
    "schedule: [\n",
    "  hours: 9-17\n",
    "---\n",
    "a: &x 1\nb: &x 2\n",
    "# a comment\n",
    "  ",
    ":",
    "{",
    "]",
    "\u2028",
    "é",
    "\n",
]


def outcome(text: str) -> list[str] | str:
    try:
        return repr(parse_config(text, "c.yaml"))
    except ConfigError as error:
        return [str(problem) for problem in error.problems]


def shape(node: yaml.Node | None) -> object:
    if node is None:
        return None
    if isinstance(node, yaml.ScalarNode):
        return (node.tag, node.value, node.start_mark.index, node.style or None)  # plain: "" in C, None in pure
    if isinstance(node, yaml.SequenceNode):
        return (node.tag, node.start_mark.index, [shape(n) for n in node.value])
    return (node.tag, node.start_mark.index, [(shape(k), shape(v)) for k, v in node.value])


def test_pyyaml_has_libyaml_here() -> None:
    assert yaml.__with_libyaml__ and nodes.FAST_LOADER is not None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=14))
def test_the_fast_loader_agrees_with_the_pure_one(pieces: list[str]) -> None:
    text = "".join(pieces)
    fast = outcome(text)
    kept = nodes.FAST_LOADER
    nodes.FAST_LOADER = None
    try:
        pure = outcome(text)
        pure_root = _root(text)
    finally:
        nodes.FAST_LOADER = kept
    assert fast == pure
    if not isinstance(pure_root, Exception):
        assert shape(_root(text)) == shape(pure_root)


def _root(text: str) -> yaml.Node | Exception | None:
    try:
        return nodes.compose(text, "c.yaml")
    except ConfigError as error:
        return error
