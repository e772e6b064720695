"""Where a value came from, and what validation found about it (STYLE §4, §5)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class SourceRef:
    """A cell (``Budgets!G14``), a CSV row and field, or an API field a value was read from.

    >>> str(SourceRef("Budgets", "G14"))
    'Budgets!G14'
    """

    #: sheet name, file name or ``"request"``
    sheet: str
    #: A1 cell reference (``"G14"``) or a field path (``"row 3, amount"``); blank for a whole sheet
    cell: str = ""

    def __str__(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem (or note) about one place.

    Printed as ``Budgets!G14: Cost budget "12,5O" is not a number``.
    """

    #: where the problem is
    source: SourceRef | None
    #: stable machine code, e.g. ``not_a_number``; tests and the workbook match on it
    code: str
    #: what an accountant reads
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def has_errors(findings) -> bool:
    return any(f.is_error for f in findings)
