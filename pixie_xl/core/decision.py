"""What the rules answer (:mod:`pixie_xl.core.rules`): an :class:`Action`, and for a refusal
a stable code and a message."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    CREATE = "create"  # new budget → its master (R2)
    EDIT_IN_PLACE = "edit_in_place"  # newest version still editable (R2/R4)
    NEW_CORRECTION = "new_correction"  # newest version locked → new correction (R3/R4)
    UNCHANGED = "unchanged"  # the draft equals the current figures: nothing to save
    DELETE_BUDGET = "delete_budget"  # master unlocked and no corrections (R2)
    DELETE_CORRECTION = "delete_correction"  # newest correction still editable (R7)
    REFUSE = "refuse"


@dataclass(frozen=True, slots=True)
class Decision:
    """What a save or delete will do; a refusal carries a stable ``code`` and a message."""

    action: Action
    #: stable refusal code when ``action`` is REFUSE, else ""
    code: str = ""
    #: what an accountant reads (names the budget, dates, versions)
    message: str = ""

    @property
    def ok(self) -> bool:
        """True unless the change is refused."""
        return self.action is not Action.REFUSE


def refuse(code: str, message: str) -> Decision:
    """The refusal with the stable ``code`` and what the accountant reads."""
    return Decision(Action.REFUSE, code, message)
