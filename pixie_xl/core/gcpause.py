"""Pause the cyclic garbage collector around bulk record building, safely across threads."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = True


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic records.

    Validating a 100,000-line sheet or building 100,000 Variance rows makes several hundred
    thousand small records and no reference cycles; the collector's full passes over them
    cost about a third of the time and free nothing, since reference counting frees it all.

    The collector is process-wide, so pauses are counted: with two threads inside (two
    requests of the service), it is switched back on only when the last one leaves, and
    only if it was on when the first one came in.

    What the pause made and kept (a validation's drafts and lines, a Variance's rows) is
    moved to the oldest generation when the collector comes back on: left in the youngest,
    the next young pass would walk every one of them (about 70 ms after a 100,000-line
    validation) to free nothing. The next full collection still walks them, as it walks
    everything that lives long.
    """
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.freeze()  # (with unfreeze: every tracked object into the oldest generation)
                gc.unfreeze()
                gc.enable()
