"""The collector's pause around bulk record building (pixie_xl.core.gcpause)."""

from __future__ import annotations

import gc
import threading

from pixie_xl.core.gcpause import no_gc


class _Record:
    __slots__ = ("value",)


def _in_generation(obj: object, generation: int) -> bool:
    return any(o is obj for o in gc.get_objects(generation=generation))


def test_what_a_pause_keeps_goes_to_the_oldest_generation():
    gc.collect()
    with no_gc():
        assert not gc.isenabled()
        kept = _Record()
        assert _in_generation(kept, 0)
    assert gc.isenabled()
    # the next young pass does not walk it again; only a full collection does
    assert not _in_generation(kept, 0)
    assert _in_generation(kept, 2)


def test_the_collector_stays_off_when_it_was_off():
    gc.disable()
    try:
        with no_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_two_threads_switch_it_back_on_when_the_last_leaves():
    inside, leave = threading.Event(), threading.Event()

    def other():
        with no_gc():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=other)
    t.start()
    inside.wait(5)
    with no_gc():
        pass
    assert not gc.isenabled()  # the other thread is still inside
    leave.set()
    t.join(5)
    assert gc.isenabled()
