"""Allocate and Transfer: budget rows spread over a parent's children, money moved between
two lines of one budget (SPEC §2 "Allocation", §5 ``pixie-xl allocate`` / ``transfer``).

Both only change the Budgets table; nothing reaches the service until Save, so the usual
checks apply. Allocation appends one row per child of the parent (``--by days``: one per
child and calendar month), the parts adding up exactly to the amount by the core's largest
remainder. A transfer edits the two lines in place (adding the target line when the budget
has none) and writes the budget's ID into the Pixie sheet's ``Pending transfers`` cell, so
that the next Save tells the service the change is a transfer (its audit entry says so).

Bad arguments raise :class:`~pixie_xl.core.errors.PixieError` with code ``usage`` (the CLI's
exit status 2); every message names the argument or the cell.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from pixie_xl import client as wire
from pixie_xl.core import allocation
from pixie_xl.core.errors import InvalidInput, PixieError
from pixie_xl.core.money import Money, from_excel, parse_text
from pixie_xl.core.records import BudgetLine
from pixie_xl.excel import actions, budget_view
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book

KINDS = ("cost", "income")


def _usage(message: str) -> PixieError:
    return PixieError(message, code="usage")


@dataclass(frozen=True)
class Allocation:
    """What to allocate: ``by`` is ``even``, ``days``, ``percent:A=40,B=60`` or
    ``actuals:YEAR``."""

    parent: str
    activity: str
    kind: str
    amount: str
    start: date
    end: date
    by: str = "even"


# --- allocate ------------------------------------------------------------------------------


def allocate(book: Book, client: wire.Client | None, a: Allocation) -> list[dict]:
    """Append the allocation's rows to the Budgets table; returns them (object, start, end,
    amount as text). ``client`` None: the children and actuals come from the last refresh."""
    if a.kind not in KINDS:
        raise _usage(f'unknown kind "{a.kind}": use cost or income')
    if a.end < a.start:
        raise _usage(f"the period ends ({a.end}) before it starts ({a.start})")
    objects = _objects(book, client)
    if a.parent not in objects:
        raise _usage(f'no object has the id "{a.parent}" (the parent to allocate from)')
    children = sorted(o.id for o in objects.values() if o.parent == a.parent)
    if not children:
        raise _usage(f"{a.parent} has no child objects to allocate to")
    amount = _amount(a.amount, objects[a.parent].currency)
    try:
        parts = _split(book, client, a, amount, children)
    except InvalidInput as exc:
        raise _usage(f"--by {a.by}: {exc.message}") from None
    _append(book, a, parts)
    book.status(f"allocated {amount} of {a.activity} {a.kind} to {len(children)} object(s)")
    return [{"object": o, "start": s, "end": e, "amount": str(m)} for o, s, e, m in parts]


def _objects(book: Book, client: wire.Client | None) -> dict:
    if client is not None:
        return {o.id: o for o in map(wire.object_from_json, client.objects())}
    cache = actions._book_cache(book)
    if cache is None:
        raise PixieError(
            "no objects to allocate to: connect to the service or refresh once", code="no_cache"
        )
    return {o.id: o for o in cache.objects()}


def _amount(text: str, currency: str) -> Money:
    try:
        m = parse_text(str(text), currency)
    except (InvalidInput, ValueError) as exc:
        raise _usage(f'the amount "{text}" is not a number such as 1234.50 ({exc})') from None
    if m.minor <= 0:
        raise _usage(f"the amount to allocate must be more than zero, not {m}")
    return m


def _split(book, client, a: Allocation, amount: Money, children: list[str]) -> list[tuple]:
    """(object, start, end, Money) of every row, in the order they are appended."""
    method, _, arg = a.by.strip().partition(":")
    method = method.strip().lower()
    if method == "even" and not arg:
        parts = allocation.allocate_even(amount, len(children))
        return [(c, a.start, a.end, m) for c, m in zip(children, parts, strict=True)]
    if method == "days" and not arg:
        return _by_days(a, amount, children)
    if method == "percent":
        percents = _percents(arg, children)
        parts = allocation.allocate_by_percent(amount, [percents[c] for c in children])
        return [(c, a.start, a.end, m) for c, m in zip(children, parts, strict=True)]
    if method == "actuals":
        year = _year(arg)
        ref = _actuals(book, client, children, a.activity, a.kind, year, amount.currency)
        if not any(m.minor for m in ref):
            raise _usage(
                f"--by actuals:{year}: the children of {a.parent} have no {a.activity} "
                f"{a.kind} actuals in {year}, so there is nothing to weight by"
            )
        parts = allocation.allocate_by_reference(amount, ref)
        return [(c, a.start, a.end, m) for c, m in zip(children, parts, strict=True)]
    raise _usage(f'--by "{a.by}": use even, days, percent:A=40,B=60 or actuals:YEAR')


def _months(start: date, end: date) -> list[tuple[date, date]]:
    out, day = [], start
    while day <= end:
        nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        out.append((day, min(end, nxt - timedelta(days=1))))
        day = nxt
    return out


def _by_days(a: Allocation, amount: Money, children: list[str]) -> list[tuple]:
    """The amount over the calendar months of the period by their days, then each month's
    part evenly over the children: one row per child and month."""
    months = _months(a.start, a.end)
    out = []
    for (s, e), part in zip(months, allocation.allocate_by_days(amount, months), strict=True):
        per_child = allocation.allocate_even(part, len(children))
        out += [(c, s, e, m) for c, m in zip(children, per_child, strict=True)]
    return sorted(out, key=lambda r: (children.index(r[0]), r[1]))


def _percents(arg: str, children: list[str]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in filter(None, (p.strip() for p in arg.split(","))):
        obj, eq, pct = item.partition("=")
        obj = obj.strip()
        if not eq:
            raise _usage(f'--by percent: "{item}" is not OBJECT=PERCENT (e.g. P-100=40)')
        if obj not in children:
            known = ", ".join(children)
            raise _usage(f'--by percent: "{obj}" is not a child of the parent ({known})')
        try:
            out[obj] = Decimal(pct.strip().rstrip("%"))
        except InvalidOperation:
            raise _usage(f'--by percent: "{pct.strip()}" for {obj} is not a number') from None
        if not out[obj].is_finite() or out[obj] < 0:
            raise _usage(f"--by percent: {obj}'s percentage must be 0 or more")
    missing = [c for c in children if c not in out]
    if missing:
        names = ", ".join(missing)
        raise _usage(f"--by percent: give a percentage for every child; missing {names}")
    return out


def _year(arg: str) -> int:
    if not arg.strip().isdigit() or not 1900 <= int(arg) <= 9999:
        raise _usage(f'--by actuals: "{arg}" is not a year such as 2025')
    return int(arg)


def _actuals(book, client, children, activity, kind, year, currency) -> list[Money]:
    """Each child's actuals of ``year`` for the activity and kind (the service's variance,
    else the last refresh)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    if client is not None:
        got = {c: Money.zero(currency) for c in children}
        for r in client.variance(first, last):
            key = (r.get("object"), r.get("activity"), r.get("kind"))
            if key[0] in got and key[1:] == (activity, kind):
                got[r["object"]] = parse_text(str(r.get("actual") or "0"), currency)
        return [got[c] for c in children]
    cache = actions._book_cache(book)
    lk = cache.lookup()
    lo, hi = first.toordinal(), last.toordinal()
    return [Money(lk.amount(c, activity, lo, hi, kind), currency) for c in children]


def _append(book: Book, a: Allocation, parts: list[tuple]) -> None:
    view = budget_view.View.read(book)
    old = [list(values) for _n, values in view.numbered()]
    field = "cost" if a.kind == "cost" else "income"
    other = "income" if field == "cost" else "cost"
    note = f"allocated from {a.parent} ({a.by})"
    new = [
        view.row_of(
            {
                "object": obj,
                "start": s,
                "end": e,
                "activity": a.activity,
                field: Decimal(str(m)),
                other: Decimal(0),
                "phasing": "days",
                "note": note,
            }
        )
        for obj, s, e, m in parts
    ]
    view.write(book, [*old, *new])


# --- transfer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transfer:
    budget_id: str
    from_activity: str
    to_activity: str
    kind: str
    amount: str


def transfer(book: Book, t: Transfer, client=None) -> str:
    """Move the amount between two lines of one budget in the Budgets table (adding the
    target line if missing); its total is kept. Returns a one-line summary."""
    if t.kind not in KINDS:
        raise _usage(f'unknown kind "{t.kind}": use cost or income')
    view = budget_view.View.read(book)
    rows = [(n, v) for n, v in view.numbered() if view.budget_id(v) == t.budget_id.strip()]
    if not rows:
        raise _usage(f"the Budgets table has no rows of budget {t.budget_id}")
    currency = _company_currency(book, client)
    amount = _amount(t.amount, currency)
    lines = tuple(_line(view, n, v, currency) for n, v in rows)
    try:
        moved = allocation.transfer(lines, t.from_activity, t.to_activity, amount, t.kind)
    except InvalidInput as exc:
        src = next((n for n, v in rows if view.value(v, "activity") == t.from_activity), None)
        where = f"{layout.BUDGETS_SHEET}!{view.cell(src, t.kind)}: " if src else ""
        raise _usage(where + exc.message) from None
    _write_transfer(book, view, rows, moved, t.kind)
    _remember_transfer(book, t.budget_id.strip())
    text = f"moved {amount} of {t.kind} from {t.from_activity} to {t.to_activity} in budget "
    text += f"{t.budget_id}; press Save budgets to save it"
    book.status(text)
    return text


def _company_currency(book, client=None) -> str:
    """The company currency: from the last refresh, else from the service; refused rather
    than guessed (an amount read in the wrong currency has the wrong decimals)."""
    cache = actions._book_cache(book)
    if cache is not None:
        return cache.settings().currency
    if client is not None:
        with contextlib.suppress(PixieError):
            return str(client.settings()["currency"])
    raise _usage(
        "Pixie does not know the company currency yet: connect to the service or press "
        "Refresh once, then transfer again"
    )


def _line(view, n: int, values, currency: str) -> BudgetLine:
    def money(key: str) -> Money:
        raw = view.value(values, key)
        if raw in (None, ""):
            return Money.zero(currency)
        try:
            return from_excel(raw, currency)
        except (InvalidInput, ValueError, TypeError):
            raise _usage(
                f"{layout.BUDGETS_SHEET}!{view.cell(n, key)}: {raw!r} is not an amount"
            ) from None

    activity = str(view.value(values, "activity") or "").strip()
    phasing = str(view.value(values, "phasing") or "days").strip()
    return BudgetLine(activity, money("income"), money("cost"), phasing)


def _write_transfer(book, view, rows, moved, kind: str) -> None:
    by_activity = {view.value(v, "activity"): n for n, v in rows}
    new = {by_activity[ln.activity]: Decimal(str(getattr(ln, kind))) for ln in moved[: len(rows)]}
    if len(moved) == len(rows):  # both lines there: two cells change
        for n, amount in new.items():
            book.set_value(layout.BUDGETS_SHEET, view.cell(n, kind), amount)
        return
    # the target line is new: a row like the budget's first, after its last row
    ln, first = moved[-1], rows[0][1]
    keep = ("budget_id", "version", "object", "start", "end")
    values = {k: view.value(first, k) for k in keep}
    values |= {"activity": ln.activity, "phasing": ln.phasing, "note": "transfer"}
    values |= {"income": Decimal(str(ln.income)), "cost": Decimal(str(ln.cost))}
    out, at = [], 0
    for n, v in view.numbered():
        row = list(v)
        if n in new:
            row[view.index[kind]] = new[n]
            at = len(out) + 1
        out.append(row)
    out.insert(at, view.row_of(values))
    view.write(book, out)


# --- the Pixie sheet's input blocks (the buttons) ---------------------------------------------


def _cell_text(book: Book, key: str) -> str:
    value = actions.pixie_value(book, key)
    if value is None:
        where = f"{layout.PIXIE_SHEET}!{layout.PIXIE_CELLS[key]}"
        raise _usage(f"{where}: fill in {layout.PIXIE_LABELS[key]} first")
    if isinstance(value, float):  # as Excel shows it: 15 significant digits
        value = int(value) if value.is_integer() else f"{value:.15g}"
    return str(value).strip()


def _cell_date(book: Book, key: str) -> date:
    value = actions.pixie_value(book, key)
    day = actions._as_date(value)
    if day is None:
        where = f"{layout.PIXIE_SHEET}!{layout.PIXIE_CELLS[key]}"
        raise _usage(f"{where}: {layout.PIXIE_LABELS[key]} {value!r} is not a date (YYYY-MM-DD)")
    return day


def allocation_from_sheet(book: Book) -> Allocation:
    """The Allocate block of the Pixie sheet (By blank: even)."""
    return Allocation(
        _cell_text(book, "alloc_parent"),
        _cell_text(book, "alloc_activity"),
        _cell_text(book, "alloc_kind").lower(),
        _cell_text(book, "alloc_amount"),
        _cell_date(book, "alloc_from"),
        _cell_date(book, "alloc_to"),
        str(actions.pixie_value(book, "alloc_by") or "even").strip(),
    )


def transfer_from_sheet(book: Book) -> Transfer:
    """The Transfer block of the Pixie sheet."""
    return Transfer(
        _cell_text(book, "transfer_budget"),
        _cell_text(book, "transfer_from"),
        _cell_text(book, "transfer_to"),
        _cell_text(book, "transfer_kind").lower(),
        _cell_text(book, "transfer_amount"),
    )


# --- the Save names transfers ----------------------------------------------------------------


def pending_transfers(book: Book) -> set[str]:
    """The budget IDs the Pixie sheet's Pending transfers cell lists."""
    text = actions.pixie_value(book, "pending_transfers")
    return {p.strip() for p in str(text or "").split(",") if p.strip()}


def _remember_transfer(book: Book, budget_id: str) -> None:
    ids = sorted(pending_transfers(book) | {budget_id})
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["pending_transfers"], ", ".join(ids))


def mark_transfers(book: Book, bodies: list[dict]) -> list[dict]:
    """The save's budget bodies, those of pending transfers with ``reason: "transfer"``."""
    pending = pending_transfers(book) if bodies else set()
    return [{**b, "reason": "transfer"} if b.get("id") in pending else b for b in bodies]


def transfers_saved(book: Book, saved_ids) -> None:
    """Forget the pending transfers a save has just sent."""
    pending = pending_transfers(book)
    if not pending:
        return
    left = sorted(pending - set(saved_ids))
    book.set_value(layout.PIXIE_SHEET, layout.PIXIE_CELLS["pending_transfers"], ", ".join(left))
