"""Objects form a tree; a parent's figures include its descendants."""

from __future__ import annotations

import pytest

from pixie_xl.core.errors import CycleError
from pixie_xl.core.tree import ObjectTree
from tests.builders import obj


def company() -> ObjectTree:
    return ObjectTree(
        [
            obj("OPS", kind="department"),
            obj("P1", "OPS"),
            obj("P2", "OPS"),
            obj("P2a", "P2"),
            obj("C1", kind="customer"),
        ]
    )


def test_subtree_includes_descendants_at_every_depth():
    assert company().subtree("OPS") == {"OPS", "P1", "P2", "P2a"}
    assert company().subtree("P2a") == {"P2a"}
    assert company().subtree("*") == {"OPS", "P1", "P2", "P2a", "C1"}


def test_ancestors_from_nearest_to_root():
    assert company().ancestors("P2a") == ["P2", "OPS"]


@pytest.mark.parametrize(
    "links",
    [
        [("A", "A")],
        [("A", "B"), ("B", "A")],
        [("A", "B"), ("B", "C"), ("C", "A")],
    ],
    ids=["self", "pair", "triangle"],
)
def test_a_cycle_is_refused_and_named(links):
    with pytest.raises(CycleError, match="cycle: A → "):
        ObjectTree([obj(child, parent) for child, parent in links])
