"""A JSON sync page (SPEC §4), both ways: the service writes :func:`page_json`, the cache
reads it with :func:`page_from_json`. (The Arrow page is :mod:`pixie_xl.arrow_sync`'s.)

A page travels as::

    {"cursor": "0", "next_cursor": "12", "more": false,
     "lines": [{"line_id": "L1", "task_id": "T1", "object": "P1", "activity": "ROAD",
                "task_created": "2026-01-05T08:00:00+00:00", "kind": "cost",
                "date": "2026-03-01", "amount": "-12.50", "reference": "INV-7", "seq": 3}],
     "purchase_orders": [{"po_id": "PO1", "object": "P1", "activity": "ROAD",
                          "vendor": "Acme", "ordered_on": "2026-02-03", "amount": "100.00",
                          "invoiced_amount": "0.00", "status": "open", "seq": 4}],
     "deleted": [{"type": "line", "id": "L0", "seq": 12}],
     "tasks": [{"task_id": "T1", "object": "P1", "activity": "ROAD",
                "created_at": "2026-01-05T08:00:00+00:00"}]}

Amounts are decimal text in the company currency's places; in the records below they are
minor units. Dates and instants are ISO text on both sides.

>>> line_json(SyncLine("L1", "T1", "P1", "ROAD", "cost", "2026-03-01", None, -5, None, 3), 2)[
...     "amount"]
'-0.05'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from pixie_xl.core.money import Money, decimal_text

#: the ``type`` of a tombstone, by what it deletes
LINE, ORDER = "line", "purchase_order"


class SyncLine(NamedTuple):
    """One live actual line of a page (``amount`` in minor units)."""

    line_id: str
    task_id: str | None
    object: str | None
    activity: str | None
    kind: str
    date: str
    task_created: str | None
    amount: int
    reference: str | None
    seq: int


class SyncOrder(NamedTuple):
    """One live purchase order of a page (amounts in minor units)."""

    po_id: str
    object: str
    activity: str
    vendor: str | None
    ordered_on: str
    amount: int
    invoiced_amount: int
    status: str
    seq: int


class Tombstone(NamedTuple):
    """A deleted line or order (``type`` is :data:`LINE` or :data:`ORDER`)."""

    type: str
    id: str
    seq: int


class SyncPage(NamedTuple):
    """One page: the changes with ``cursor < seq``, and where the next page starts."""

    cursor: str
    next_cursor: str
    more: bool
    lines: list[SyncLine]
    orders: list[SyncOrder]
    deleted: list[Tombstone]


def line_json(ln: SyncLine, places: int) -> dict:
    """One actual line, its amount with ``places`` decimals."""
    return {
        "line_id": ln.line_id,
        "task_id": ln.task_id,
        "object": ln.object,
        "activity": ln.activity,
        "task_created": ln.task_created,
        "kind": ln.kind,
        "date": ln.date,
        "amount": decimal_text(ln.amount, places),
        "reference": ln.reference,
        "seq": ln.seq,
    }


def task_json(ln: SyncLine) -> dict:
    """The task a line belongs to, as the page's ``tasks`` lists it."""
    return {
        "task_id": ln.task_id,
        "object": ln.object,
        "activity": ln.activity,
        "created_at": ln.task_created,
    }


def order_json(po: SyncOrder, places: int) -> dict:
    """One purchase order, its amounts with ``places`` decimals."""
    return {
        "po_id": po.po_id,
        "object": po.object,
        "activity": po.activity,
        "vendor": po.vendor,
        "ordered_on": po.ordered_on,
        "amount": decimal_text(po.amount, places),
        "invoiced_amount": decimal_text(po.invoiced_amount, places),
        "status": po.status,
        "seq": po.seq,
    }


def tombstone_json(t: Tombstone) -> dict:
    return {"type": t.type, "id": t.id, "seq": t.seq}


def page_json(page: SyncPage, places: int) -> dict:
    """The page as the service sends it; ``tasks`` holds each line's task once."""
    tasks = {ln.task_id: ln for ln in page.lines}  # each task once, as its last line has it
    return {
        "cursor": page.cursor,
        "next_cursor": page.next_cursor,
        "more": page.more,
        "lines": [line_json(ln, places) for ln in page.lines],
        "purchase_orders": [order_json(po, places) for po in page.orders],
        "deleted": [tombstone_json(t) for t in page.deleted],
        "tasks": [task_json(ln) for ln in tasks.values()],
    }


def minor(value: object, currency: str) -> int:
    """An amount's decimal text in minor units of ``currency`` (none or blank: 0)."""
    if value in (None, ""):
        return 0
    return Money.of(str(value), currency).minor


def line_from_json(ln: Mapping, currency: str) -> SyncLine:
    """One line of a page, its amount read in ``currency`` (its object's)."""
    return SyncLine(
        str(ln["line_id"]),
        ln["task_id"],
        ln["object"],
        ln["activity"],
        ln["kind"],
        ln["date"],
        ln["task_created"],
        minor(ln["amount"], currency),
        ln.get("reference"),
        int(ln.get("seq") or 0),
    )


def order_from_json(p: Mapping, currency: str) -> SyncOrder:
    """One purchase order of a page, its amounts read in ``currency``."""
    return SyncOrder(
        str(p["po_id"]),
        p["object"],
        p["activity"],
        p.get("vendor"),
        str(p["ordered_on"])[:10],
        minor(p["amount"], currency),
        minor(p["invoiced_amount"], currency),
        p["status"],
        int(p.get("seq") or 0),
    )


def tombstone_from_json(t: Mapping) -> Tombstone:
    return Tombstone(str(t["type"]), str(t["id"]), int(t.get("seq") or 0))


def page_from_json(page: Mapping, currencies: Mapping[str, str], default: str) -> SyncPage:
    """A page, each amount read in its object's currency (``default`` for the others)."""
    return SyncPage(
        str(page.get("cursor", "")),
        str(page["next_cursor"]),
        bool(page["more"]),
        [line_from_json(ln, currencies.get(ln["object"], default)) for ln in page["lines"]],
        [order_from_json(p, currencies.get(p["object"], default)) for p in page["purchase_orders"]],
        [tombstone_from_json(t) for t in page["deleted"]],
    )
