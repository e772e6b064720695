"""The facts a report is computed from, and their sums for one report period.

:class:`Facts` gathers objects, settings, profiles, budgets, dated actuals and commitments;
the service builds it from its database and the workbook from its local cache. Arrays
derived from them (the budget lines as columns, the actuals' dates as day numbers) are
built once per :class:`Facts` and reused by every report on it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from .errors import InvalidInput, NotFound
from .phasing import prorate_array
from .records import PHASING_DAYS, BudgetHistory, Kind, Profile, Settings
from .tree import ObjectTree

KEYS = ["object", "activity", "kind"]
#: a row's kind text by ``is_cost``
_KIND_TEXTS = np.array([Kind.INCOME.value, Kind.COST.value], dtype=object)


def _epoch_days(values) -> np.ndarray:
    """Days since 1970-01-01 of a column of dates (datetime64, ``date`` objects or ISO text)."""
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if arr.dtype == object or arr.dtype.kind in "US":
        parsed = pd.to_datetime(pd.Series(arr), format="ISO8601")
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):  # a date with an offset: its own day
            parsed = parsed.dt.tz_localize(None)
        arr = parsed.to_numpy()
    return arr.astype("datetime64[D]").astype(np.int64)


def texts(column: pd.Series) -> list:
    """A text column as a list in which equal texts are one ``str``.

    pandas 3 keeps text in Arrow buffers and hands each cell back as a new ``str``; records
    that hold them (a million month rows) would each keep their own copy of the object id
    and the activity code (about 100 MB at that size).

    >>> a, b = texts(pd.Series(["P-0001", "P-0001"]))
    >>> a is b
    True
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return np.asarray(uniques, dtype=object)[codes].tolist()


def as_kind(kind: Kind | str) -> Kind:
    """``kind`` as a :class:`Kind`, or a clear error."""
    try:
        return Kind(kind)
    except ValueError:
        raise InvalidInput(f'unknown kind "{kind}": use income or cost') from None


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


_INT64_MAX = int(np.iinfo(np.int64).max)


def _may_wrap(values: np.ndarray) -> bool:
    """Whether an int64 sum of ``values`` could leave the int64 range (a cheap bound)."""
    if not len(values):
        return False
    bound = max(int(values.max()), -int(values.min()))
    return bound * len(values) > _INT64_MAX


def exact_sum(values: np.ndarray) -> int:
    """The sum of int64 ``values`` as a Python integer, never wrapped.

    numpy sums int64 modulo 2**64 in silence; where a bound shows that cannot happen the
    sum is numpy's, otherwise it is taken in Python integers.

    >>> exact_sum(np.array([2**62, 2**62, 2**62], dtype=np.int64))
    13835058055282163712
    """
    if _may_wrap(values):
        return sum(values.tolist())
    return int(values.sum())


def _refuse_wrapped(column: str, values: np.ndarray, key) -> None:
    """Refuse a grouped int64 sum of ``values`` by ``key`` that would not fit in int64."""
    if not _may_wrap(values):
        return
    exact = pd.Series(values.astype(object)).groupby(key).sum()
    big = exact[(exact > _INT64_MAX) | (exact < -_INT64_MAX - 1)]
    if len(big):
        raise InvalidInput(
            f"the {column} figures of one row add up to {big.iloc[0]} minor units, more than "
            f"a report can hold (±{_INT64_MAX}); report a shorter period or fewer objects",
            code="figure_too_large",
        )


@dataclass(frozen=True, eq=False)
class Facts:
    """Everything a variance needs, built by the service from its database and by the
    workbook from its local cache.

    ``actuals`` are dated (see :mod:`.dating`): object, activity, kind, date, amount (int64
    minor units). ``commitments``: object, activity, date (the order date), amount (the
    committed minor units of approved and received orders, ``amount − invoiced``, ≥ 0).
    Arrays derived from them are built once, on first use, and reused by every report, so
    a Facts is not to be changed once built: a refresh builds a new one.
    """

    objects: ObjectTree
    settings: Settings
    profiles: Mapping[str, Profile]
    budgets: Sequence[BudgetHistory]
    actuals: pd.DataFrame
    commitments: pd.DataFrame

    @cached_property
    def budget_lines(self) -> pd.DataFrame:
        """Every non-zero budget amount of the masters and current versions, one row each:
        object, activity, kind, start, end (epoch days), phasing, amount, original, current
        (whether the row counts as original, as current or both)."""
        return budget_table(self.budgets, self.settings.currency)

    @cached_property
    def actual_days(self) -> np.ndarray:
        return _epoch_days(self.actuals["date"])

    @cached_property
    def commitment_days(self) -> np.ndarray:
        return _epoch_days(self.commitments["date"])

    def name(self, object_id: str) -> str:
        o = self.objects.objects.get(object_id)
        return o.name if o is not None else object_id

    def keep(self, object_id: str | None) -> frozenset[str] | None:
        """The objects a report on ``object_id`` covers (``None``: all)."""
        if object_id is None or object_id == "*":
            return None
        if object_id not in self.objects:
            raise NotFound(f'unknown object "{object_id}"')
        return self.objects.subtree(object_id)


def budget_table(budgets: Sequence[BudgetHistory], currency: str) -> pd.DataFrame:
    """The budget lines of ``budgets`` as columns (see :attr:`Facts.budget_lines`)."""
    cols: dict[str, list] = {k: [] for k in (*KEYS, "start", "end", "phasing", "amount")}
    flags: dict[str, list] = {"original": [], "current": []}

    def add(v, is_orig: bool, is_cur: bool) -> None:
        for ln in v.lines:
            for kind, m in (("income", ln.income), ("cost", ln.cost)):
                if not m.minor:
                    continue
                if m.currency != currency:
                    raise InvalidInput(
                        f"budget {v.budget_id} has {m.currency} amounts; reports are in {currency}",
                        code="currency_mismatch",
                    )
                cols["object"].append(v.object)
                cols["activity"].append(ln.activity)
                cols["kind"].append(kind)
                cols["start"].append(v.start)
                cols["end"].append(v.end)
                cols["phasing"].append(ln.phasing or PHASING_DAYS)
                cols["amount"].append(m.minor)
                flags["original"].append(is_orig)
                flags["current"].append(is_cur)

    for h in budgets:
        if len(h.versions) == 1:
            add(h.master, True, True)
        else:
            add(h.master, True, False)
            add(h.current, False, True)
    frame = pd.DataFrame(
        {
            "object": pd.Series(cols["object"], dtype=object),
            "activity": pd.Series(cols["activity"], dtype=object),
            "kind": pd.Series(cols["kind"], dtype=object),
            "start": np.array(cols["start"], dtype="datetime64[D]").astype(np.int64),
            "end": np.array(cols["end"], dtype="datetime64[D]").astype(np.int64),
            "phasing": pd.Series(cols["phasing"], dtype=object),
            "amount": np.array(cols["amount"], dtype=np.int64),
            "original": np.array(flags["original"], dtype=bool),
            "current": np.array(flags["current"], dtype=bool),
        }
    )
    return frame


# --- sums for one report period ------------------------------------------------------------


def _period_budgets(facts: Facts, frm: date, to: date, keep) -> pd.DataFrame:
    """Budget lines overlapping ``frm..to`` with their prorated amount in ``prorated``."""
    b = facts.budget_lines
    mask = (b["start"].to_numpy() <= _day(to)) & (b["end"].to_numpy() >= _day(frm))
    if keep is not None:
        mask &= b["object"].isin(keep).to_numpy()
    b = b.loc[mask]
    prorated = prorate_array(
        b["amount"].to_numpy(),
        b["start"].to_numpy().astype("datetime64[D]"),
        b["end"].to_numpy().astype("datetime64[D]"),
        b["phasing"].to_numpy(),
        frm,
        to,
        facts.profiles,
    )
    return b.assign(prorated=prorated)


def _sums(
    frame: pd.DataFrame, days: np.ndarray, frm: date, to: date, keep, keys, what: str = "actual"
) -> pd.Series:
    mask = (days >= _day(frm)) & (days <= _day(to))
    if keep is not None:
        mask &= frame["object"].isin(keep).to_numpy()
    sub = frame.loc[mask, [*keys, "amount"]]
    amounts = sub["amount"].to_numpy()
    if _may_wrap(amounts):  # the key columns as arrays only then: text ones cost 0.1 s each
        _refuse_wrapped(what, amounts, [sub[k].to_numpy() for k in keys])
    return sub.groupby(keys, sort=False, observed=True)["amount"].sum()


def _levels(s: pd.Series, kind: str | None = None) -> dict[str, np.ndarray]:
    """The key columns of a grouped sum as plain arrays (``kind`` fixed when given)."""
    idx = s.index
    out = {k: np.asarray(idx.get_level_values(k), dtype=object) for k in ("object", "activity")}
    out["kind"] = (
        np.full(len(s), kind, dtype=object)
        if kind is not None
        else np.asarray(idx.get_level_values("kind"), dtype=object)
    )
    return out


def _key_columns(parts: list, by_month: bool) -> dict[str, np.ndarray]:
    """The key columns of all ``parts`` end to end (``month`` only when ``by_month``)."""
    names = [*KEYS, "month"] if by_month else KEYS
    if not parts:
        return {k: np.array([], np.int64 if k == "month" else object) for k in names}
    return {k: np.concatenate([keys[k] for keys, _ in parts]) for k in names}


def _group_key(cols: dict[str, np.ndarray]) -> tuple[np.ndarray, dict]:
    """One int64 key per row ordered by object, activity, kind (income first), month, and
    what it takes to read the columns back from it (:func:`_unkey`)."""
    o_codes, o_names = pd.factorize(cols["object"], sort=True)
    a_codes, a_names = pd.factorize(cols["activity"], sort=True)
    kinds = cols["kind"]
    known = (kinds == Kind.INCOME.value) | (kinds == Kind.COST.value)
    if not known.all():
        bad = kinds[~known][0]
        raise InvalidInput(f'unknown kind "{bad}": a line is either income or cost')
    is_cost = (kinds == Kind.COST.value).astype(np.int64)
    n_acts = max(len(a_names), 1)
    key = (o_codes.astype(np.int64) * n_acts + a_codes) * 2 + is_cost
    how = {"objects": o_names, "activities": a_names, "n_acts": n_acts, "months": None}
    months = cols.get("month")
    if months is not None and len(months):
        first, n_months = int(months.min()), int(months.max() - months.min()) + 1
        key = key * n_months + (months - first)
        how["months"] = (first, n_months)
    return key, how


def _unkey(k: np.ndarray, how: dict, by_month: bool) -> dict[str, np.ndarray]:
    """The key columns of the group keys ``k`` of :func:`_group_key`."""
    month = {}
    if by_month:
        first, n_months = how["months"] or (0, 1)
        month = {"month": (k % n_months + first).astype("datetime64[M]").astype("datetime64[D]")}
        k = k // n_months
    cost = k % 2 == 1
    n_acts = how["n_acts"]
    return {
        "object": np.asarray(how["objects"], dtype=object)[k // 2 // n_acts],
        "activity": np.asarray(how["activities"], dtype=object)[(k // 2) % n_acts],
        "kind": _KIND_TEXTS[cost.astype(np.intp)],  # two str for all rows, not one each
        **month,
    }


def combine(
    parts: list[tuple[dict[str, np.ndarray], dict[str, np.ndarray]]],
    columns: list[str],
    by_month: bool = False,
    any_of: list[str] | None = None,
) -> pd.DataFrame:
    """Sum value columns of several (keys, values) parts per object, activity and kind
    (and ``month``, months since 1970 as int64, when ``by_month``).

    The keys are factorised once (sorted), so the sum groups on one int64 key whose order is
    object, activity, kind with income before cost, then month. Rows whose figures are all 0
    are dropped (``any_of``: whose figures in those columns are all 0).
    """
    key, how = _group_key(_key_columns(parts, by_month))
    values = {
        c: np.concatenate(
            [v[c] if c in v else np.zeros(len(k["object"]), np.int64) for k, v in parts]
        ).astype(np.int64)
        if parts
        else np.zeros(0, np.int64)
        for c in columns
    }
    for c in columns:
        _refuse_wrapped(c, values[c], key)
    sums = pd.DataFrame(values).groupby(key, sort=True).sum()
    sums = sums[(sums[any_of or columns].to_numpy() != 0).any(axis=1)]
    return pd.DataFrame(
        {
            **_unkey(sums.index.to_numpy(dtype=np.int64), how, by_month),
            **{c: sums[c].to_numpy(dtype=np.int64) for c in columns},
        }
    )


def _budget_part(facts: Facts, frm: date, to: date, keep, columns: dict) -> tuple[dict, dict]:
    """The budget lines overlapping ``frm..to`` as a part of :func:`combine`: their keys,
    and their prorated amount in each column of ``columns`` (name → the flag, ``original``
    or ``current``, of the lines it counts)."""
    b = _period_budgets(facts, frm, to, keep)
    prorated = b["prorated"].to_numpy()
    return (
        {k: b[k].to_numpy(dtype=object) for k in KEYS},
        {c: np.where(b[flag].to_numpy(), prorated, 0) for c, flag in columns.items()},
    )


def period_sums(
    facts: Facts, frm: date, to: date, object_id: str | None = None, to_date: date | None = None
) -> pd.DataFrame:
    """original, current, actual, committed per object, activity, kind in ``frm..to``.

    Only rows with a non-zero figure; sorted by object, activity, kind (income first).
    ``to_date`` (a day in the period): also ``to_date``, the current budget prorated to
    ``frm..to_date`` (0 on rows without one; a row with only that figure is no row).
    """
    if to < frm:
        raise InvalidInput(f"the report period ends ({to}) before it starts ({frm})")
    keep = facts.keep(object_id)
    budgets = _budget_part(facts, frm, to, keep, {"original": "original", "current": "current"})
    actual = _sums(facts.actuals, facts.actual_days, frm, to, keep, KEYS)
    committed = _sums(
        facts.commitments, facts.commitment_days, frm, to, keep, ["object", "activity"], "committed"
    )
    parts = [
        budgets,
        (_levels(actual), {"actual": actual.to_numpy(dtype=np.int64)}),
        (_levels(committed, Kind.COST.value), {"committed": committed.to_numpy(dtype=np.int64)}),
    ]
    figures = ["original", "current", "actual", "committed"]
    if to_date is not None:  # in the same sum: a second one and a join cost more
        parts.append(_budget_part(facts, frm, to_date, keep, {"to_date": "current"}))
    parts = [p for p in parts if len(p[0]["object"])]
    if to_date is None:
        return combine(parts, figures)
    return combine(parts, [*figures, "to_date"], any_of=figures)
