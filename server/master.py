"""Objects and activities: checked, then upserted by id (used by the API and by ingest).

Checks return findings (every problem, each naming its row and field) rather than stop at
the first; the caller refuses the whole batch when any is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from pixie_xl.core.errors import BadFile, CycleError
from pixie_xl.core.findings import Finding, SourceRef
from pixie_xl.core.records import Activity, CrmObject, ObjectKind
from pixie_xl.core.tree import ObjectTree

from .models import ActivityRow, ObjectRow
from .records import activity_record, object_record

KINDS = {k.value for k in ObjectKind}
TRUE = {"true", "1", "yes", "y", "t", ""}
FALSE = {"false", "0", "no", "n", "f"}


def _cell(source: str, row: int, field: str) -> SourceRef:
    return SourceRef(source, f"row {row}, {field}")


def _text(value) -> str:
    text = "" if value is None else str(value).strip()
    if "\x00" in text:
        raise BadFile("a value holds a NUL character, which text cannot hold", code="nul_character")
    return text


def check_objects(
    s: Session, rows: Iterable[tuple[int, Mapping]], source: str, currency: str
) -> tuple[list[CrmObject], list[Finding]]:
    """Objects from ``(row number, {id, name, kind, parent, currency})`` pairs."""
    out: dict[str, CrmObject] = {}
    findings: list[Finding] = []
    for n, r in rows:
        oid, kind = _text(r.get("id")), _text(r.get("kind")).lower()
        name = _text(r.get("name")) or oid
        cur = _text(r.get("currency")).upper() or currency
        bad = len(findings)
        if not oid:
            findings.append(Finding(_cell(source, n, "id"), "missing_value", "id is required"))
        elif oid in out:
            msg = f'object "{oid}" appears twice in this batch'
            findings.append(Finding(_cell(source, n, "id"), "duplicate_id", msg))
        if kind not in KINDS:
            msg = f'kind "{kind}" is not one of {", ".join(sorted(KINDS))}'
            findings.append(Finding(_cell(source, n, "kind"), "bad_kind", msg))
        if cur != currency:
            msg = (
                f"object currency {cur} differs from the company currency {currency}; "
                "v1 reports in one currency"
            )
            findings.append(Finding(_cell(source, n, "currency"), "currency_not_company", msg))
        if len(findings) == bad:
            parent = _text(r.get("parent")) or None
            out[oid] = CrmObject(oid, name, ObjectKind(kind), parent, cur)
    known = {o.id: o for o in map(object_record, s.execute(select(ObjectRow)).scalars())}
    merged = {**known, **out}
    # a parent refused in this batch has its own finding (the batch is refused for it):
    # "not a known object" on each of its children would send the reader to the wrong row
    in_batch = {_text(r.get("id")) for _n, r in rows}
    for n, r in rows:
        parent = _text(r.get("parent"))
        if parent and parent not in merged and parent not in in_batch:
            msg = f'parent "{parent}" is not a known object'
            findings.append(Finding(_cell(source, n, "parent"), "unknown_parent", msg))
    try:
        ObjectTree(merged.values())
    except CycleError as exc:
        findings.append(Finding(SourceRef(source), exc.code, exc.message))
    return list(out.values()), findings


def _rows_by_key(s: Session, model, key, ids: list[str]) -> dict:
    """The stored rows of ``model`` whose ``key`` is in ``ids``, by key: one query per
    thousand ids instead of a look-up (and an autoflush) per row."""
    out: dict = {}
    wanted = sorted(set(ids))
    for i in range(0, len(wanted), 1000):
        chunk = wanted[i : i + 1000]
        out.update((getattr(r, key.key), r) for r in s.scalars(select(model).where(key.in_(chunk))))
    return out


def save_objects(s: Session, objects: Iterable[CrmObject]) -> tuple[int, int]:
    """Upsert; returns (written, unchanged)."""
    objects = list(objects)
    existing = _rows_by_key(s, ObjectRow, ObjectRow.id, [o.id for o in objects])
    written = unchanged = 0
    for o in objects:
        row = existing.get(o.id)
        if row is not None and object_record(row) == o:
            unchanged += 1
            continue
        if row is None:
            row = ObjectRow(id=o.id)
            s.add(row)
        row.name, row.kind, row.parent_id, row.currency = o.name, str(o.kind), o.parent, o.currency
        written += 1
    s.flush()
    return written, unchanged


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return None


def check_activities(
    rows: Iterable[tuple[int, Mapping]], source: str
) -> tuple[list[Activity], list[Finding]]:
    out: dict[str, Activity] = {}
    findings: list[Finding] = []
    for n, r in rows:
        code = _text(r.get("code"))
        active = parse_bool(r.get("active"))
        bad = len(findings)
        if not code:
            findings.append(Finding(_cell(source, n, "code"), "missing_value", "code is required"))
        elif code in out:
            msg = f'activity "{code}" appears twice in this batch'
            findings.append(Finding(_cell(source, n, "code"), "duplicate_id", msg))
        if active is None:
            msg = f'active "{r.get("active")}" is not true or false'
            findings.append(Finding(_cell(source, n, "active"), "bad_boolean", msg))
        if len(findings) == bad:
            out[code] = Activity(code, _text(r.get("name")) or code, active)
    return list(out.values()), findings


def save_activities(s: Session, activities: Iterable[Activity]) -> tuple[int, int]:
    activities = list(activities)
    existing = _rows_by_key(s, ActivityRow, ActivityRow.code, [a.code for a in activities])
    written = unchanged = 0
    for a in activities:
        row = existing.get(a.code)
        if row is not None and activity_record(row) == a:
            unchanged += 1
            continue
        if row is None:
            row = ActivityRow(code=a.code)
            s.add(row)
        row.name, row.active = a.name, a.active
        written += 1
    s.flush()
    return written, unchanged
