"""Read YAML as located nodes and collect every problem with its line.

The rest of `reconnectd.config` describes *what* is valid; this module knows *where* things are.
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import yaml

from reconnectd.errors import ConfigError, Problem

T = TypeVar("T")

Node = yaml.Node


@dataclass
class Reader:
    """Walks a YAML document, collecting problems instead of stopping at the first."""

    file: str
    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    misspelt: set[str] = field(default_factory=set)  # paths of keys an unknown key was probably meant as
    _lines: Lines | None = None

    def line(self, node: Node) -> int:
        if self._lines is None:  # the newlines are indexed on first use, once
            self._lines = Lines(self.source)
        return self._lines.at(node.start_mark.index)

    def problem(self, node: Node | None, path: str, message: str) -> None:
        line = self.line(node) if node is not None else None
        self.problems.append(Problem(self.file, line, path, " ".join(message.split())))

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
            if not isinstance(key_node, yaml.ScalarNode):
                expected = ", ".join(allowed)
                self.problem(
                    key_node, path, f"a key must be plain text, got {describe(key_node)} (expected one of: {expected})"
                )
                continue
            key = str(key_node.value)
            key_path = join(path, key)
            if key in found:
                first = self.line(found[key])
                self.problem(key_node, key_path, f"appears twice (first at line {first}); keep one")
                continue
            if key not in allowed:
                self.problem(key_node, key_path, unknown_key_message(key, allowed))
                close = suggest(key, list(allowed))
                if close:
                    self.misspelt.add(join(path, close))
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
        if isinstance(node, yaml.ScalarNode) and node.tag == INT_TAG and re.fullmatch(r"[+-]?\d+", str(node.value)):
            number = int(str(node.value))
            if low <= number <= high:
                return number
            self.problem(node, path, f"{number} is out of range (write a whole number from {low} to {high})")
            return None
        self.problem(node, path, f"expected a whole number, got {describe(node)}")
        return None


NULL_TAG = "tag:yaml.org,2002:null"
BOOL_TAG = "tag:yaml.org,2002:bool"
INT_TAG = "tag:yaml.org,2002:int"
BINARY = "contains binary data, not YAML text"


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
    value = " ".join(str(node.value).split())
    shown = value if len(value) <= 40 else value[:37] + "..."
    return f'"{shown}"'


def unknown_key_message(key: str, allowed: dict[str, str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f'unknown key (did you mean "{close[0]}"?)'
    return "unknown key (expected one of: " + ", ".join(allowed) + ")"


def suggest(word: str, choices: list[str]) -> str | None:
    """The choice closest to `word`, ignoring case, or None."""
    by_lower = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[close[0]] if close else None


def line_at(text: str, index: int) -> int:
    """The line of a character, counting only newlines, as editors and grep -n do.

    (PyYAML also counts U+2028, U+0085 and a lone CR as line breaks.)
    """
    return text.count("\n", 0, index) + 1


class Lines:
    """`line_at` for many characters of one text: the newlines are found once, then bisected."""

    def __init__(self, text: str) -> None:
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def at(self, index: int) -> int:
        return bisect.bisect_left(self.newlines, index) + 1


# libyaml's C parser when PyYAML was built with it (the PyPI wheels are), else the pure one.
FAST_LOADER: Any = getattr(yaml, "CSafeLoader", None) if yaml.__with_libyaml__ else None
# libyaml accepts nesting and tabs the pure loader refuses; with those the pure one decides.
FAST_DEPTH = 40


def compose(text: str, file: str) -> Node | None:
    """The document's root node, or a ConfigError saying where the YAML breaks."""
    if len(text) > MAX_SIZE:
        raise ConfigError([Problem(file, 1, "", f"is {len(text) // 1_000_000} MB; too large for a config")])
    if FAST_LOADER is not None and "\t" not in text:
        try:
            root = yaml.compose(text, Loader=FAST_LOADER)
        except (yaml.YAMLError, RecursionError, ValueError):
            pass  # the pure loader below finds the same fault and words it as always
        else:
            if _depth(root) <= FAST_DEPTH:
                return root
    return _compose_pure(text, file)


def _depth(root: Node | None) -> int:
    """How deeply collections nest under `root`, without recursion."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(root, 1)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > FAST_DEPTH:
            break
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value if not isinstance(child, yaml.ScalarNode))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((child, depth + 1) for child in (key, value) if not isinstance(child, yaml.ScalarNode))
    return deepest


def _compose_pure(text: str, file: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        raise ConfigError([syntax_problem(error, text, file)]) from None
    except yaml.reader.ReaderError as error:
        line = line_at(text, error.position)
        raise ConfigError([Problem(file, line, "", BINARY)]) from None
    except RecursionError:
        line = line_at(text, _too_deep(text))
        raise ConfigError(
            [Problem(file, line, "", "invalid YAML: nested too deeply (a config needs only a few levels)")]
        ) from None
    except yaml.YAMLError as error:
        raise ConfigError([Problem(file, None, "", f"cannot read the YAML: {error}")]) from None


MAX_SIZE = 5_000_000

PLAIN_WORDS = {
    "expected <block end>, but found": "the indentation of this line does not match the lines around it "
    "(keys at the same level need the same number of spaces)",
    "mapping values are not allowed here": "a colon here is unexpected (put quotes around a value that contains ': ')",
}


def syntax_problem(error: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    mark = error.problem_mark or error.context_mark
    line = line_at(text, mark.index) if mark is not None else None
    problem = (error.problem or "invalid YAML").strip()
    context = (error.context or "").strip()
    if "\t" in problem or (line is not None and "\t" in _line(text, line)):
        leading = (
            line is not None and "\t" in _line(text, line)[: len(_line(text, line)) - len(_line(text, line).lstrip())]
        )
        what = "a tab is used for indentation; YAML needs spaces" if leading else "a tab character here; use spaces"
        return Problem(file, line, "", what)
    if "<stream end>" in problem or "end of stream" in problem:
        opened = error.context_mark
        start = _unclosed_bracket(text) if "flow" in context else None
        index = start if start is not None else opened.index if opened is not None else None
        where = line_at(text, index) if index is not None else line
        char = text[index] if index is not None and index < len(text) else ""
        what = {"[": "the [", "{": "the {", '"': "the quote", "'": "the quote"}.get(char, "a [, { or quote")
        return Problem(file, where, "", f"{what} opened on this line is never closed")
    if "escape" in problem and "double-quoted" in context:
        return Problem(
            file, line, "", "inside double quotes a backslash starts an escape (use single quotes, or write \\\\)"
        )
    if "another document" in problem:
        return Problem(
            file, line, "", 'a second YAML document starts here; a config is one document (remove this "---" line)'
        )
    if "duplicate anchor" in context and error.context_mark is not None:
        first = line_at(text, error.context_mark.index)
        anchor = context.split("anchor", 1)[1].split(";")[0].strip().strip("'")
        return Problem(
            file,
            line,
            "",
            f"invalid YAML: the anchor &{anchor} appears twice (first at line {first}); give each anchor its own name",
        )
    for phrase, plain in PLAIN_WORDS.items():
        if phrase in problem or phrase in context:
            return Problem(file, line, "", f"invalid YAML: {plain}")
    detail = f"{context}, {problem}" if context else problem
    return Problem(file, line, "", " ".join(f"invalid YAML: {detail} (check the indentation and quotes)".split()))


def _unclosed_bracket(text: str) -> int | None:
    """Where the last [ or { that is never closed opens (quotes and comments skipped)."""
    stack: list[int] = []
    quote = ""
    comment = False
    for index, char in enumerate(text):
        if comment:
            comment = char != "\n"
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            stack.append(index)
        elif char in "]}" and stack:
            stack.pop()
    return stack[-1] if stack else None


def _too_deep(text: str) -> int:
    """Where brackets nest deeper than any config needs."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
        if depth > 50:
            return index
    return 0


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number - 1] if 0 < number <= len(lines) else ""


def items(reader: Reader, nodes: list[Node], path: str) -> Iterator[tuple[str, Node]]:
    for index, node in enumerate(nodes):
        yield join(path, index), node
