"""The local cache that Refresh fills and the worksheet formulas read (SPEC §3).

:mod:`.store` holds it (a SQLite file and the lines as an Arrow file), :mod:`.snapshot`
applies the service's sync to it, :mod:`.lookup` builds the formulas' running sums.
"""

from __future__ import annotations

from .lookup import CHECK_EVERY, GENERATION, Lookup, forget_lookups, lookup_for
from .snapshot import refresh
from .store import LINES, Cache, RefreshStats, cache_root

__all__ = [
    "CHECK_EVERY",
    "GENERATION",
    "LINES",
    "Cache",
    "Lookup",
    "RefreshStats",
    "cache_root",
    "forget_lookups",
    "lookup_for",
    "refresh",
]
