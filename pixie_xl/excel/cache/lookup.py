"""The formulas' look-up structure over a cache: running sums, so a formula is two bisects.

:func:`lookup_for` keeps one :class:`Lookup` per cache and process, rebuilt when the refresh
stamp changes. The dated actuals and the commitments come from the core (``core.dating``,
``core.records.commitments``); the running sums are a prefix-sum index over them, shown
equal to ``core.facts`` by ``tests/excel/test_cache.py``.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from datetime import date
from pathlib import Path
from time import monotonic

from pixie_xl.core.money import exponent
from pixie_xl.core.tree import ObjectTree

from .store import Cache

#: seconds between checks of the refresh stamp (a formula never waits on SQLite)
CHECK_EVERY = 1.0
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


class Lookup:
    """Running sums over the cache so that one formula costs two bisects.

    For every key ``(object-or-ancestor-or-"*", activity-or-"*", kind)`` it keeps the
    sorted dates (ordinals) that have amounts and the cumulative sums up to each, so the
    amount between two dates is ``cum[bisect_right(to)] - cum[bisect_left(from)]``. Kinds
    are ``"income"``, ``"cost"`` (dated actuals) and ``"committed"`` (open purchase orders
    dated by their order date). Budgets are prorated per line with ``core.phasing``.
    """

    def __init__(self, cache: Cache):
        from pixie_xl.core import dating

        self.cache = cache
        self.settings = cache.settings()
        self.tree = cache.tree()
        self.activities = {a.code: a for a in cache.activities()}
        self.profiles = cache.profiles()
        self.histories = cache.histories()
        self.today = cache.server_today()
        self.refreshed = cache.last_refresh()
        self.currency = self.settings.currency
        #: minor units per major unit of the company currency
        self.scale = 10 ** exponent(self.currency)
        raw, commitments = _load_frames(cache)
        self.actuals = dating.dated_actuals(raw, self.settings)
        self.commitments = commitments
        self._sums = None
        self._checked_sums = None
        self._budget_lines = None
        self._facts = None

    @property
    def sums(self) -> dict:
        """The running sums, built on the first formula (a refresh alone does not need them)."""
        if self._sums is None:
            self._sums = _running_sums(self.actuals, self.commitments, self.tree)
        return self._sums

    @property
    def checked_sums(self) -> dict:
        """The running sums of income and cost whose object and activity a formula may name
        (known to the cache, or ``"*"``): a key found here needs no other check."""
        if self._checked_sums is None:
            objs, acts = self.tree.objects, self.activities
            self._checked_sums = {
                k: v
                for k, v in self.sums.items()
                if k[2] != "committed"
                and (k[0] == "*" or k[0] in objs)
                and (k[1] == "*" or k[1] in acts)
            }
        return self._checked_sums

    @property
    def budget_lines(self) -> dict:
        if self._budget_lines is None:
            self._budget_lines = _budget_index(self.histories, self.tree)
        return self._budget_lines

    def keys(self, object_id: str) -> list[str]:
        """``object_id``, its ancestors and ``"*"``: every key a line of it is summed into."""
        return [object_id, *self.tree.ancestors(object_id), "*"]

    def amount(self, object_id: str, activity: str, frm: int, to: int, kind: str) -> int:
        """Minor units of ``kind`` for the object's subtree between two date ordinals."""
        sums = self._sums if self._sums is not None else self.sums
        entry = sums.get((object_id, activity, kind))
        if entry is None or to < frm:
            return 0
        dates, cum = entry
        return cum[bisect_right(dates, to)] - cum[bisect_left(dates, frm)]

    def budget(
        self, object_id: str, activity: str, frm: date, to: date, kind: str, version: str
    ) -> int:
        """The budget of the subtree prorated to ``frm..to`` (``version`` current/original).

        Remembered per arguments: a sheet asks the same roll-up from many cells.
        """
        key = (object_id, activity, frm, to, kind, version)
        memo = self.__dict__.setdefault("_budget_memo", {})
        if key in memo:
            return memo[key]
        from pixie_xl.core import phasing

        total = 0
        for start, end, ph, amounts in self.budget_lines.get((object_id, activity, version), ()):
            if end < frm or start > to:
                continue
            amt = amounts[0] if kind == "income" else amounts[1]
            if amt:
                total += phasing.prorate(amt, start, end, ph, frm, to, self.profiles)
        memo[key] = total
        return total

    @property
    def facts(self):
        """The core's variance facts, built on first use."""
        if self._facts is None:
            from pixie_xl.core import variance

            self._facts = variance.Facts(
                objects=self.tree,
                settings=self.settings,
                profiles=self.profiles,
                budgets=self.histories,
                actuals=self.actuals,
                commitments=self.commitments,
            )
        return self._facts


def _load_frames(cache: Cache):
    """The raw actual lines (as ``core.dating`` wants them) and the commitments.

    The lines come from the lines file as columns (no row loop); the commitments are each
    open order's :attr:`~pixie_xl.core.records.PurchaseOrder.committed` (the core's rule).
    """
    import pandas as pd

    table = cache.lines().select(["object", "activity", "kind", "date", "task_created", "amount"])
    raw = table.to_pandas(date_as_object=False)
    raw["date"] = raw["date"].astype("datetime64[s]")
    raw["amount"] = raw["amount"].astype("int64")
    with cache.connect() as conn:
        pos = conn.execute(
            "SELECT po_id, object, activity, vendor, ordered_on, amount, invoiced_amount,"
            " status FROM pos"
        ).fetchall()
    rows = [(o.object, o.activity, o.ordered_on, o.committed.minor) for o in _orders(pos)]
    commitments = pd.DataFrame(
        [r for r in rows if r[3] > 0], columns=["object", "activity", "date", "amount"]
    )
    commitments["amount"] = commitments["amount"].astype("int64")
    return raw, commitments


def _orders(rows):
    """The cache's order rows as core records (a status the core does not know commits
    nothing, as before)."""
    from pixie_xl.core.money import Money
    from pixie_xl.core.records import POStatus, PurchaseOrder

    known = {s.value: s for s in POStatus}
    for po, obj, act, vendor, day, amount, invoiced, status in rows:
        if status in known:
            yield PurchaseOrder(po, obj, act, vendor, date.fromisoformat(day[:10]),
                                Money(amount), Money(invoiced), known[status])  # fmt: skip


def _ordinals(col):
    """Date ordinals of a column of dates, datetimes or ISO text."""
    import numpy as np
    import pandas as pd

    values = pd.to_datetime(col).to_numpy().astype("datetime64[D]").astype(np.int64)
    return values + _EPOCH_ORDINAL


def _running_sums(actuals, commitments, tree: ObjectTree) -> dict:
    import numpy as np
    import pandas as pd

    frames = [
        pd.DataFrame(
            {
                "object": actuals["object"].astype(str).to_numpy(),
                "activity": actuals["activity"].astype(str).to_numpy(),
                "kind": actuals["kind"].astype(str).to_numpy(),
                "ord": _ordinals(actuals["date"]),
                "amount": actuals["amount"].astype(np.int64).to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "object": commitments["object"].astype(str).to_numpy(),
                "activity": commitments["activity"].astype(str).to_numpy(),
                "kind": "committed",
                "ord": _ordinals(commitments["date"]),
                "amount": commitments["amount"].astype(np.int64).to_numpy(),
            }
        ),
    ]
    df = pd.concat(frames, ignore_index=True)
    if df.empty:
        return {}
    # aggregate first (days × objects × activities is small), then spread to ancestors
    df = df.groupby(["object", "activity", "kind", "ord"], as_index=False, sort=False).sum()
    present = df["object"].unique()
    spread = pd.DataFrame(
        [
            (o, k)
            for o in present
            for k in ([o, *tree.ancestors(o), "*"] if o in tree else [o, "*"])
        ],
        columns=["object", "key"],
    )
    df = df.merge(spread, on="object")
    df = pd.concat([df, df.assign(activity="*")], ignore_index=True)
    g = df.groupby(["key", "activity", "kind", "ord"], sort=True)["amount"].sum().reset_index()
    keys = list(zip(g["key"], g["activity"], g["kind"], strict=True))
    ords = _shared_ints(g["ord"].to_numpy())
    amounts = g["amount"].to_numpy()
    starts = [0] + [i for i in range(1, len(keys)) if keys[i] != keys[i - 1]] + [len(keys)]
    out = {}
    for a, b in itertools.pairwise(starts):
        cum = np.concatenate(([0], np.cumsum(amounts[a:b])))
        out[keys[a]] = (ords[a:b].tolist(), [int(x) for x in cum])
    return out


def _shared_ints(values):
    """``values`` as an object array in which equal numbers are one Python int.

    Every key's date list then points into the same few hundred day objects, which stay
    in the processor's cache, so a formula's two bisects cost less than over lists that
    each hold their own copies (measured: about a quarter of a look-up).
    """
    import numpy as np

    uniq, inverse = np.unique(values, return_inverse=True)
    return np.array(uniq.tolist(), dtype=object)[inverse]


def _budget_index(histories, tree: ObjectTree) -> dict:
    """``(object-or-ancestor-or-"*", activity-or-"*", version)`` → budget lines."""
    out: dict = {}
    for h in histories:
        for tag, v in (("current", h.current), ("original", h.master)):
            objs = (
                [v.object, *tree.ancestors(v.object), "*"] if v.object in tree else [v.object, "*"]
            )
            for ln in v.lines:
                item = (v.start, v.end, ln.phasing, (ln.income.minor, ln.cost.minor))
                for o in objs:
                    for a in (ln.activity, "*"):
                        out.setdefault((o, a, tag), []).append(item)
    return out


class _Entry:
    __slots__ = ("checked", "lookup", "stamp")

    def __init__(self, stamp, lookup, checked):
        self.stamp, self.lookup, self.checked = stamp, lookup, checked


_LOOKUPS: dict[Path, _Entry] = {}


def lookup_for(cache: Cache) -> Lookup:
    """The process's Lookup of ``cache``, rebuilt when the refresh stamp changed."""
    now = monotonic()
    entry = _LOOKUPS.get(cache.path)
    if entry is not None and now - entry.checked < CHECK_EVERY:
        return entry.lookup
    stamp = cache.stamp()
    if entry is not None and entry.stamp == stamp:
        entry.checked = now
        return entry.lookup
    lk = Lookup(cache)
    _LOOKUPS[cache.path] = _Entry(stamp, lk, monotonic())
    return lk


#: grows whenever a Lookup is dropped, so callers holding one know to ask again
GENERATION = [0]


def invalidate(path: Path) -> None:
    """Drop the Lookup of the cache at ``path``."""
    _LOOKUPS.pop(path, None)
    GENERATION[0] += 1


def forget_lookups() -> None:
    """Drop every built Lookup (after a refresh in this process, and in tests)."""
    _LOOKUPS.clear()
    GENERATION[0] += 1
