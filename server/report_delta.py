"""The Variance table after a write, from the table before it (issue 12.5).

A report's rows are each an object's own figures: a row depends only on that object's
budgets, actual sums and committed sums, and on the settings, profiles and object tree. So
when a write changed only some objects' budgets or sums (an ingest of lines or orders, a
budget saved: the usual writes), the table of the new state is the previous table with
those objects' rows worked out again by the core's engine, and every other row (and its
JSON) kept as it was. A change of settings, profiles or the tree works the whole table out
afresh.

:class:`Tables` keeps, per process, the last table of each (period, object filter, today)
with the facts it was computed from. Nothing is trusted that the new facts do not show:
the facts of the new state are always read (cheaply, from the aggregates) and compared
with the kept ones, so the answer is the one a full computation gives (the model test in
``tests/server/test_aggregates.py`` checks that after every write).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace

from flask import current_app

from pixie_xl.core import variance
from pixie_xl.core.records import Kind, VarianceRow


def _static_equal(a: variance.Facts, b: variance.Facts) -> bool:
    """Whether the settings, profiles and tree are the same in ``a`` and ``b``."""
    return (
        a.settings == b.settings
        and dict(a.profiles) == dict(b.profiles)
        and a.objects.objects == b.objects.objects
    )


def _budgets(facts: variance.Facts) -> dict[str, list]:
    out: dict[str, list] = {}
    for h in facts.budgets:
        out.setdefault(h.current.object, []).append(h)
    return out


def _sums(frame, cols: list[str]) -> dict:
    keys = zip(*(frame[c].tolist() for c in cols), strict=True)
    return dict(zip(keys, frame["amount"].tolist(), strict=True))


def changed_objects(a: variance.Facts, b: variance.Facts) -> set[str]:
    """The objects whose budgets, actual or committed sums differ between ``a`` and ``b``."""
    x, y = _budgets(a), _budgets(b)
    out = {o for o in x.keys() | y.keys() if x.get(o) != y.get(o)}
    for name, cols in (
        ("actuals", ["object", "activity", "kind"]),
        ("commitments", ["object", "activity"]),
    ):
        x, y = _sums(getattr(a, name), cols), _sums(getattr(b, name), cols)
        out |= {k[0] for k in x.keys() ^ y.keys()}
        out |= {k[0] for k in x.keys() & y.keys() if x[k] != y[k]}
    return out


def _only(facts: variance.Facts, objects: set[str]) -> variance.Facts:
    """``facts`` cut down to ``objects``' budgets and sums (tree and settings as they are)."""
    keep = sorted(objects)
    return replace(
        facts,
        budgets=[h for h in facts.budgets if h.current.object in objects],
        actuals=facts.actuals[facts.actuals["object"].isin(keep)].reset_index(drop=True),
        commitments=facts.commitments[facts.commitments["object"].isin(keep)].reset_index(
            drop=True
        ),
    )


def _order(r: VarianceRow) -> tuple:
    """The engine's order: object, activity, kind (income first)."""
    return (r.object, r.activity, r.kind is not Kind.INCOME)


class Tables:
    """The last table (rows and their JSON) of each family, with its facts and stamp."""

    def __init__(self, size: int = 16):
        self.size = size
        self._lock = threading.Lock()
        self._last: OrderedDict = OrderedDict()  # family → (stamp, facts, rows, json by id)

    def rows(self, family, stamp, facts, frm, to, today, render: Callable[[VarianceRow], str]):
        """``(rows, text)`` of ``facts``' table: ``text(row)`` is ``render(row)``, kept."""
        with self._lock:
            prev = self._last.get(family)
        fresh = None
        if prev is not None and _static_equal(prev[1], facts):
            changed = changed_objects(prev[1], facts)
            kept = [r for r in prev[2] if r.object not in changed]
            new = variance.variance_rows(_only(facts, changed), frm, to, today) if changed else []
            fresh = (tuple(sorted(kept + new, key=_order)), prev[3], new)
        if fresh is None:
            rows = tuple(variance.variance_rows(facts, frm, to, today))
            fresh = (rows, {}, rows)
        rows, old_json, new = fresh
        json = {id(r): old_json[id(r)] for r in rows if id(r) in old_json}
        json.update({id(r): render(r) for r in new})
        with self._lock:
            if family not in self._last or self._last[family][0] <= stamp:
                self._last[family] = (stamp, facts, rows, json)
                self._last.move_to_end(family)
            while len(self._last) > self.size:
                self._last.popitem(last=False)
        return rows, lambda r: json[id(r)]


class Memo:
    """A small per-process memo of computed reports, with single flight.

    Every key a caller uses holds the database's :func:`~pixie_server.db.data_version`,
    read on each request, so an entry is never answered for a state it was not computed
    from: a committed write changes the stamp and the next request computes afresh.
    Entries of a stamp older than the newest one seen are dropped (stamps only grow), and
    at most ``size`` entries are kept. Nothing here is state the database does not hold,
    so workers and hosts stay interchangeable (SPEC §6).

    Twenty clients asking for the same report at once compute it once: the first
    computes, the others wait for its result (or its exception).
    """

    def __init__(self, size: int = 32):
        self.size = size
        self._lock = threading.Lock()
        self._done: OrderedDict = OrderedDict()  # key → (stamp, value)
        self._flight: dict = {}
        self._latest = None

    def get(self, key, compute, stamp=None):
        """``compute()``'s value under ``key`` (``key`` includes ``stamp``)."""
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key][1]
            pending = self._flight.get(key)
            if pending is None:
                pending = self._flight[key] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            return pending.result()
        try:
            value = compute()
        except BaseException as exc:
            with self._lock:
                del self._flight[key]
            pending.set_exception(exc)
            raise
        with self._lock:
            self._keep(key, stamp, value)
            del self._flight[key]
        pending.set_result(value)
        return value

    def _keep(self, key, stamp, value) -> None:
        if stamp is not None and (self._latest is None or stamp > self._latest):
            self._latest = stamp
            for old in [k for k, (st, _) in self._done.items() if st is not None and st < stamp]:
                del self._done[old]
        if stamp is not None and stamp < self._latest:
            return  # already superseded: answered once, not kept
        self._done[key] = (stamp, value)
        while len(self._done) > self.size:
            self._done.popitem(last=False)


def memo(app=None) -> Memo:
    """The app's report memo (one per app and process)."""
    app = app or current_app
    return app.extensions.setdefault("pixie_reports", Memo())
