"""A finding on the wire: the service writes :func:`finding_to_json` into a problem's
``findings``, the client reads them back with :func:`finding_from_json`.

A finding about one item of a batch says which, beside its text::

    {"source": {"sheet": "request", "cell": "budgets[1].lines[0].activity",
                "list": "budgets", "item": 1, "line": 0, "field": "activity"}, ...}

so the workbook puts it on the item's row without reading the text back.

>>> ref = item_ref("budgets", 1, "activity", line=0)
>>> str(ref)
'request!budgets[1].lines[0].activity'
>>> finding_from_json(finding_to_json(Finding(ref, "x", "y"))).source == ref
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pixie_xl.core.findings import Finding, Severity, SourceRef


@dataclass(frozen=True, slots=True)
class ItemRef(SourceRef):
    """A field of one item of a request: the ``line`` of budget ``item`` of ``list``
    (``"budgets"``, ``"profiles"``); ``item`` is None for a request of one budget."""

    list: str = ""
    item: int | None = None
    line: int | None = None
    field: str = ""


def item_ref(items: str, item: int | None, field: str = "", *, line: int | None = None) -> ItemRef:
    """The place ``budgets[3].lines[0].cost`` (``lines[0].cost`` when ``item`` is None)."""
    path = f"lines[{line}]" + (f".{field}" if field else "") if line is not None else field
    if item is not None:
        path = f"{items}[{item}]" + (f".{path}" if path else "")
    return ItemRef("request", path, items, item, line, field)


def _source_json(src: SourceRef) -> dict:
    out: dict = {"sheet": src.sheet, "cell": src.cell}
    if isinstance(src, ItemRef):
        out.update(list=src.list, item=src.item, line=src.line, field=src.field)
    return out


def finding_to_json(f: Finding) -> dict:
    """``{"source": {"sheet", "cell", …} or null, "code", "message", "severity"}``."""
    return {
        "source": _source_json(f.source) if f.source else None,
        "code": f.code,
        "message": f.message,
        "severity": str(f.severity),
    }


def _index(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _source_from_json(src: Mapping) -> SourceRef:
    sheet, cell = str(src.get("sheet", "")), str(src.get("cell", ""))
    if "item" not in src and "line" not in src:
        return SourceRef(sheet, cell)
    return ItemRef(
        sheet,
        cell,
        str(src.get("list") or ""),
        _index(src.get("item")),
        _index(src.get("line")),
        str(src.get("field") or ""),
    )


def finding_from_json(f: Mapping) -> Finding:
    """A finding as the service sends it (:func:`finding_to_json`)."""
    src = f.get("source")
    sev = str(f.get("severity", "error")).lower()
    return Finding(
        _source_from_json(src) if isinstance(src, Mapping) else None,
        str(f.get("code", "error")),
        str(f.get("message", "")),
        Severity(sev) if sev in Severity._value2member_map_ else Severity.ERROR,
    )
