"""Tables ↔ records: the readers and writers every action uses, in one place.

See :mod:`pixie_xl.sheets.readers` and :mod:`pixie_xl.sheets.writers`.
"""

from pixie_xl.sheets.readers import header_keys, read_budget_file, read_budget_rows, read_rows
from pixie_xl.sheets.writers import (
    variance_values,
    write_alerts,
    write_budgets,
    write_checks,
    write_lists,
    write_months,
    write_parents,
    write_profiles,
    write_variance,
)

__all__ = [
    "header_keys",
    "read_budget_file",
    "read_budget_rows",
    "read_rows",
    "variance_values",
    "write_alerts",
    "write_budgets",
    "write_checks",
    "write_lists",
    "write_months",
    "write_parents",
    "write_profiles",
    "write_variance",
]
