"""A finding on the wire: the service writes :func:`finding_to_json` into a problem's
``findings``, the client reads them back with :func:`finding_from_json`."""

from __future__ import annotations

from collections.abc import Mapping

from pixie_xl.core.findings import Finding, Severity, SourceRef


def finding_to_json(f: Finding) -> dict:
    """``{"source": {"sheet", "cell"} or null, "code", "message", "severity"}``."""
    src = f.source
    return {
        "source": {"sheet": src.sheet, "cell": src.cell} if src else None,
        "code": f.code,
        "message": f.message,
        "severity": str(f.severity),
    }


def finding_from_json(f: Mapping) -> Finding:
    """A finding as the service sends it (``source`` as ``"Sheet!A1"`` or sheet + cell)."""
    src = f.get("source")
    if isinstance(src, Mapping):
        ref = SourceRef(str(src.get("sheet", "")), str(src.get("cell", "")))
    elif isinstance(src, str) and src:
        sheet, _, cell = src.partition("!")
        ref = SourceRef(sheet, cell)
    elif f.get("sheet"):
        ref = SourceRef(str(f["sheet"]), str(f.get("cell", "")))
    else:
        ref = None
    sev = str(f.get("severity", "error")).lower()
    return Finding(
        ref,
        str(f.get("code", "error")),
        str(f.get("message", "")),
        Severity(sev) if sev in Severity._value2member_map_ else Severity.ERROR,
    )
