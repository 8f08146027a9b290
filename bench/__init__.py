"""reconnectd's benchmark suite: run it with `bench/run` (see bench/README.md)."""

import sys
from pathlib import Path

# The real-server helpers (Radicale, Xandikos, free ports) live in tests/servers.py; make them importable.
_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
