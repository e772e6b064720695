"""The cells beside a table, as warnings: Pixie reads only what is inside its tables, so a
value typed next to one is named rather than silently ignored (``outside_table``)."""

from __future__ import annotations

from pixie_xl.core.findings import Finding, Severity, SourceRef
from pixie_xl.sheets.book import Book


def outside_table(book: Book, sheet: str, table: str) -> list[Finding]:
    """A warning per filled cell of ``sheet`` outside ``table`` (a book that can tell)."""
    stray = getattr(book, "stray_cells", None)
    return [
        Finding(
            SourceRef(sheet, cell),
            "outside_table",
            f"this cell is outside the {table} table; Pixie does not read it — move it into "
            "the table or clear it",
            Severity.WARNING,
        )
        for cell in (stray(sheet, table) if stray is not None else ())
    ]
