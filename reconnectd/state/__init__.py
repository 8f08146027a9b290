"""The store: the only package that imports sqlite3. What the YAML cannot remember, in one SQLite file."""

from reconnectd.state.locks import DirectoryLock, hold_service
from reconnectd.state.rows import PendingNudge
from reconnectd.state.schema import VERSION
from reconnectd.state.store import Store

__all__ = ["VERSION", "DirectoryLock", "PendingNudge", "Store", "hold_service"]
