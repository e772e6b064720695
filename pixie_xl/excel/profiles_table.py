"""The workbook's Profiles table: read with a finding per bad cell, sent with Save, and
brought back by Refresh (SPEC §2 phasing, §3).

A row is a profile: its name, then twelve monthly weights (blank means 0). Weights are
sent with at most nine decimals (the service's limit; a weight is a share, so the ninth
decimal is far below anything a month's amount can show).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from pixie_xl.core.errors import PixieError
from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.core.records import PHASING_DAYS, PHASING_MONTHS, Formula, Profile
from pixie_xl.excel.strays import outside_table
from pixie_xl.sheets import layout
from pixie_xl.sheets.book import Book
from pixie_xl.sheets.cells import is_blank

SHEET, TABLE = layout.PROFILES_SHEET, layout.PROFILES_TABLE
_NINE = Decimal("1e-9")
_LIMIT = Decimal("1e9")


def _weight(value: object) -> Decimal | str:
    """The weight, or what is wrong with it."""
    if is_blank(value):
        return Decimal(0)
    if isinstance(value, Formula):
        return "is a formula; type the weight as a number"
    if isinstance(value, bool):
        return "is TRUE/FALSE, not a number"
    if isinstance(value, float) and not math.isfinite(value):
        return "is not a finite number"
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return "is not a number"
    if not d.is_finite():
        return "is not a finite number"
    if d < 0:
        return "is negative; weights are 0 or more"
    if d >= _LIMIT:
        return "is too large; weights are below 1,000,000,000"
    return d


def read_profiles(book: Book) -> tuple[dict[str, Profile], list[Finding]]:
    """Every profile of the Profiles table, and a finding per cell that is not usable."""
    try:
        if hasattr(book, "grow_table"):
            book.grow_table(SHEET, TABLE)
        table = book.read_table(SHEET, TABLE)
    except (KeyError, ValueError, PixieError):
        return {}, []
    out: dict[str, Profile] = {}
    findings = outside_table(book, SHEET, TABLE)
    cols = table.columns
    for n, row in enumerate(table.rows, start=table.first_row):
        if all(is_blank(v) for v in row):
            continue
        name = "" if is_blank(row[0]) else str(row[0]).strip()
        where = SourceRef(SHEET, f"{cols[0]}{n}")
        problem = _name_problem(name, out, where)
        if problem is not None:
            findings.append(problem)
            continue
        weights, bad = _weights(row, cols, n)
        findings += bad
        if bad:
            continue
        if not any(weights):
            msg = f'Profile "{name}" has no weight above 0; give at least one month a weight'
            findings.append(Finding(where, "bad_weights", msg))
            continue
        out[name] = Profile(name, tuple(weights))
    return out, findings


def _name_problem(name: str, seen: Mapping[str, Profile], where: SourceRef) -> Finding | None:
    """What is wrong with a row's profile name: missing, a phasing's, or already read."""
    if not name:
        return Finding(where, "missing_value", "Profile is missing: name the profile")
    if name.lower() in (PHASING_DAYS, PHASING_MONTHS):
        msg = f'Profile "{name}" is a phasing of its own; choose another name'
        return Finding(where, "bad_name", msg)
    if name in seen:
        return Finding(where, "duplicate_profile", f'Profile "{name}" is there twice')
    return None


def _weights(row, cols, n: int) -> tuple[list[Decimal], list[Finding]]:
    """The twelve monthly weights of row ``n``, and a finding per month that is no weight."""
    weights, bad = [], []
    for i, month in enumerate(layout.MONTH_NAMES, start=1):
        value = row[i] if i < len(row) else None
        w = _weight(value)
        if isinstance(w, str):
            cell = SourceRef(SHEET, f"{cols[i]}{n}")
            bad.append(Finding(cell, "not_a_number", f'{month} weight "{value}" {w}'))
        else:
            weights.append(w)
    return weights, bad


def cell_of(book: Book, name: str) -> SourceRef | None:
    """The name cell of a profile on the Profiles sheet."""
    try:
        table = book.read_table(SHEET, TABLE)
    except (KeyError, ValueError, PixieError):
        return None
    for n, row in enumerate(table.rows, start=table.first_row):
        if row and not is_blank(row[0]) and str(row[0]).strip() == name:
            return SourceRef(SHEET, f"{table.columns[0]}{n}")
    return None


def to_json(p: Profile) -> dict:
    """A profile as the service takes it: its weights as decimal texts."""
    weights = []
    for w in p.weights:
        d = w.quantize(_NINE).normalize() if w != w.to_integral_value() else w.to_integral_value()
        weights.append(format(d, "f"))
    return {"name": p.name, "weights": weights}


def changed(mine: Mapping[str, Profile], service: Mapping[str, Profile]) -> list[Profile]:
    """The workbook's profiles that the service does not have as they are."""
    return [p for name, p in mine.items() if service.get(name) != p]


def refresh_profiles(book: Book, service: Mapping[str, Profile]) -> list[Finding]:
    """The service's profiles into the table; a row not saved yet (new, or edited) is kept
    as it is and named."""
    from pixie_xl.sheets.tables import write_profiles

    try:
        table = book.read_table(SHEET, TABLE)
    except (KeyError, ValueError, PixieError):
        return []
    mine, problems = read_profiles(book)
    keep = {name: p for name, p in mine.items() if service.get(name) != p}
    rows = {**service, **keep}
    findings = []
    first = {str(r[0]).strip(): n for n, r in enumerate(table.rows, start=table.first_row) if r}
    for name in keep:
        cell = SourceRef(SHEET, f"{table.columns[0]}{first.get(name, table.first_row)}")
        msg = f'Profile "{name}" is not saved yet (new or changed here); kept — Save sends it'
        findings.append(Finding(cell, "unsaved_rows", msg, Severity.INFO))
    if any(f.is_error for f in problems):  # a row that does not read: say so, change nothing
        return [*problems, *findings]
    write_profiles(book, rows.values())
    return [*problems, *findings]
