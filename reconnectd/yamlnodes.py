"""Read YAML as located nodes and collect every problem with its line.

The config module describes *what* is valid; this module knows *where* things are.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import yaml

from reconnectd.errors import ConfigError, Problem

T = TypeVar("T")

Node = yaml.Node


@dataclass
class Reader:
    """Walks a YAML document, collecting problems instead of stopping at the first."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, node: Node | None, path: str, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(self.file, line, path, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(sorted(self.problems, key=lambda p: (p.line or 0, p.path)))

    # -- structure ---------------------------------------------------------

    def mapping(self, node: Node, path: str, allowed: dict[str, str]) -> dict[str, Node]:
        """Keys of a mapping, checked against `allowed` (key -> what it is, for hints)."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path, f"expected a mapping of keys, got {describe(node)}")
            return {}
        found: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            key_path = join(path, key)
            if key in found:
                first = found[key].start_mark.line + 1
                self.problem(key_node, key_path, f"appears twice (first at line {first}); keep one")
                continue
            if key not in allowed:
                self.problem(key_node, key_path, unknown_key_message(key, allowed))
                continue
            found[key] = value_node
        return found

    def sequence(self, node: Node, path: str) -> list[Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, path, f"expected a list (lines starting with '- '), got {describe(node)}")
            return []
        return list(node.value)

    # -- scalars -----------------------------------------------------------

    def text(self, node: Node, path: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
            self.problem(node, path, f"expected text, got {describe(node)}")
            return None
        value = str(node.value).strip()
        if not value:
            self.problem(node, path, "is empty; write a value or remove the key")
            return None
        return value

    def parsed(self, node: Node, path: str, parse: Callable[[str], T]) -> T | None:
        """Text parsed by `parse`, whose ValueError message becomes the problem."""
        raw = self.text(node, path)
        if raw is None:
            return None
        try:
            return parse(raw)
        except ValueError as error:
            self.problem(node, path, str(error))
            return None

    def boolean(self, node: Node, path: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == BOOL_TAG:
            return str(node.value).lower() in {"true", "yes", "on", "y"}
        self.problem(node, path, f"expected true or false, got {describe(node)}")
        return None

    def integer(self, node: Node, path: str, low: int, high: int) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG:
            number = int(str(node.value).replace("_", ""), 0)
            if low <= number <= high:
                return number
            self.problem(node, path, f"{number} is out of range (write a whole number from {low} to {high})")
            return None
        self.problem(node, path, f"expected a whole number, got {describe(node)}")
        return None


NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe(node: Node | None) -> str:
    if node is None:
        return "nothing"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing"
    value = str(node.value)
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f'"{shown}"'


def unknown_key_message(key: str, allowed: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f'unknown key (did you mean "{close[0]}"?)'
    return "unknown key (expected one of: " + ", ".join(allowed) + ")"


def suggest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return close[0] if close else None


def compose(text: str, file: str) -> Node | None:
    """The document's root node, or a ConfigError saying where the YAML breaks."""
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise ConfigError([syntax_problem(error, text, file)]) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(file, None, "", f"cannot read the YAML: {error}")]) from None


def syntax_problem(error: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else None
    problem = (error.problem or "invalid YAML").strip()
    if "\t" in problem or (line is not None and "\t" in _line(text, line)):
        return Problem(file, line, "", "a tab is used for indentation; YAML needs spaces")
    if "<stream end>" in problem:
        return Problem(file, line, "", "the file ends in the middle of something (close the open [, { or quote)")
    context = f" {error.context}" if error.context else ""
    return Problem(file, line, "", f"invalid YAML: {problem}{context} (check the indentation and quotes)")


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def items(reader: Reader, nodes: list[Node], path: str) -> Iterator[tuple[str, Node]]:
    for index, node in enumerate(nodes):
        yield join(path, index), node
