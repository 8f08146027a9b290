"""The tree keeps its shape: each package imports only from the layers below it, and the edges stay thin.

Imports are read with `ast`, so an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconnectd"

# Lower layers first. A module may import its own package and any package of a lower layer, never one beside
# it or above it: the data flows one way, from the settings through the policy to the edges and the wiring.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"", "errors", "logs"}),  # the package root: version, typed errors, log redaction
    frozenset({"policy"}),
    frozenset({"config", "state"}),
    frozenset({"calendar", "notify"}),
    frozenset({"sources", "contacts"}),  # read-only inputs: on the calendar's DAV edge, never writing
    frozenset({"daemon"}),
    frozenset({"report", "reference"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)

# Third-party and standard modules that only one package may import.
EDGES = {
    "caldav": {"calendar"},
    "niquests": {"calendar"},
    "radicale": {"calendar"},
    "apprise": {"notify"},
    "sqlite3": {"state"},
    "vobject": {"contacts"},
}
# What the policy may never touch: I/O, the network, processes, threads and the clock.
POLICY_FORBIDDEN = {"os", "io", "socket", "subprocess", "threading", "time", "sqlite3", "yaml", "logging", "urllib"}
CLOCK_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter"}


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        found.append((".".join(p for p in parts if p != "__init__"), path))
    return found


def package_of(module: str) -> str:
    return module.split(".", maxsplit=1)[0] if module else ""


def layer_of(package: str) -> int:
    for rank, members in enumerate(LAYERS):
        if package in members:
            return rank
    raise AssertionError(f"reconnectd.{package} is in no layer: add it to LAYERS in {Path(__file__).name}")


def imports(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement names, with its line: `from a import b` names a.b as well as a."""
    tree = ast.parse(path.read_text(), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path.name}:{node.lineno}: use absolute imports"
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def internal(name: str) -> str | None:
    """`reconnectd.policy.plan` -> `policy.plan`; None for anything outside the package."""
    if name == "reconnectd":
        return ""
    return name.removeprefix("reconnectd.") if name.startswith("reconnectd.") else None


MODULES = modules()
KNOWN = {module for module, _ in MODULES}


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m or "reconnectd" for m, _ in MODULES])
def test_a_module_imports_only_its_own_package_and_the_layers_below(module: str, path: Path) -> None:
    own = package_of(module)
    wrong = []
    for line, name in imports(path):
        target = internal(name)
        if target is None or target not in KNOWN:  # outside the package, or a name inside a module
            continue
        other = package_of(target)
        if other != own and layer_of(other) >= layer_of(own):
            wrong.append(f"line {line}: reconnectd.{target}")
    assert not wrong, f"reconnectd.{module} (layer {layer_of(own)}) imports upward or sideways: {wrong}"


@pytest.mark.parametrize(("module", "path"), MODULES, ids=[m or "reconnectd" for m, _ in MODULES])
def test_the_edges_are_imported_only_by_their_own_package(module: str, path: Path) -> None:
    own = package_of(module)
    wrong = [
        f"line {line}: {name}"
        for line, name in imports(path)
        if (edge := name.split(".")[0]) in EDGES and own not in EDGES[edge]
    ]
    assert not wrong, f"reconnectd.{module} imports another package's edge: {wrong}"


@pytest.mark.parametrize(("module", "path"), [(m, p) for m, p in MODULES if package_of(m) == "policy"], ids=str)
def test_the_policy_does_no_io_and_reads_no_clock(module: str, path: Path) -> None:
    wrong = [f"line {line}: import {name}" for line, name in imports(path) if name.split(".")[0] in POLICY_FORBIDDEN]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCK_CALLS:
            wrong.append(f"line {node.lineno}: .{node.func.attr}()")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
            wrong.append(f"line {node.lineno}: open()")
    assert not wrong, f"reconnectd.{module} must stay pure: {wrong}"


def test_each_package_says_its_rule() -> None:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text()))
        assert doc, f"{init.relative_to(PACKAGE.parent)} has no docstring saying what the package may do"


def test_the_rules_catch_a_broken_import(tmp_path: Path) -> None:
    """The checks above can fail: a policy module that imports the calendar and reads the clock is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import datetime\nfrom reconnectd.calendar import client\nNOW = datetime.datetime.now()\n")
    names = [name for _, name in imports(bad)]
    assert "reconnectd.calendar.client" in names
    assert layer_of(package_of(internal("reconnectd.calendar.client") or "")) > layer_of("policy")
    calls = [n for n in ast.walk(ast.parse(bad.read_text())) if isinstance(n, ast.Call)]
    assert any(isinstance(c.func, ast.Attribute) and c.func.attr in CLOCK_CALLS for c in calls)
