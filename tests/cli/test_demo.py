"""The demo runs end to end: a real service, a real workbook, the whole cycle."""

from __future__ import annotations

import pytest

from pixie_xl.core.findings import Severity


@pytest.mark.slow
def test_the_demo_runs_end_to_end(tmp_path, monkeypatch):
    from pixie_xl.demo.run import run
    from pixie_xl.sheets import layout
    from pixie_xl.sheets.filebook import FileBook

    monkeypatch.delenv("PIXIE_SERVER", raising=False)
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    said: list[str] = []
    summary = run(tmp_path / "demo", say=said.append)

    errors = [f for f in summary["import_findings"] if f.severity is Severity.ERROR]
    assert any('"12,5O"' in f.message for f in errors)
    assert any("MAINTENANCE" in f.message for f in errors)
    kinds = [v["kind"] for v in summary["versions"]]
    assert kinds == ["master", "correction"]
    assert summary["rows"] and summary["alerts"]
    assert summary["workbook"].exists()
    book = FileBook.open(summary["workbook"])
    variance = book.read_table(layout.VARIANCE_SHEET, layout.VARIANCE_TABLE)
    assert len(variance.rows) == len(summary["rows"])
    assert any("workbook:" in line for line in said)
