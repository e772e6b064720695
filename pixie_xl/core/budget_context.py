"""What a Budgets table is checked against (:class:`Context`), apart from the steps of
:mod:`pixie_xl.core.validation` that read it, so none of them imports the module that runs
them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .checks import Known
from .records import Activity, BudgetHistory, CrmObject


@dataclass(frozen=True, slots=True)
class Context:
    """What a sheet is checked against."""

    #: activities by code (a plain list of them is keyed on creation)
    activities: Mapping[str, Activity]
    #: objects by id (or a list)
    objects: Mapping[str, CrmObject]
    #: profile names valid as phasing besides days/months (a set, a mapping by name or a
    #: list of names or Profile records)
    profiles: Collection[str] = frozenset()
    #: currency of amounts whose object is unknown
    currency: str = "EUR"
    #: what the server holds, by budget id (or a list; may be empty offline)
    budgets: Mapping[str, BudgetHistory] = field(default_factory=dict)
    #: the SERVER's time (never the workbook's); None: skip lock information
    now: datetime | None = None
    timezone: str = "UTC"
    #: whether ``budgets`` is all the server holds, so that an ID it lacks is unknown (None:
    #: when any budgets are given); True for a workbook's source (the service, its last refresh)
    budgets_known: bool | None = None

    def knows_budgets(self) -> bool:
        """Whether a Budget ID that ``budgets`` lacks is unknown to the server."""
        return bool(self.budgets) if self.budgets_known is None else self.budgets_known

    def known(self) -> Known:
        """The catalogue the budget checks judge a sheet's drafts by."""
        return Known(self.objects, self.activities, self.profiles, None, self.knows_budgets())

    def __post_init__(self):
        """Accept plain lists of records too: they are keyed here, once."""
        keyed = {
            "activities": lambda a: a.code,
            "objects": lambda o: o.id,
            "budgets": lambda h: h.budget_id,
        }
        for name, key in keyed.items():
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                object.__setattr__(self, name, {key(x): x for x in value or ()})
        if not isinstance(self.profiles, Mapping | frozenset | set):
            names = frozenset(p if isinstance(p, str) else p.name for p in self.profiles or ())
            object.__setattr__(self, "profiles", names)
