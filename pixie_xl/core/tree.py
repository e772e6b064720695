"""The object tree: parents include their descendants (SPEC §1)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import CycleError
from .records import CrmObject


class ObjectTree:
    """Parent links of objects, checked for cycles once, with fast descendant look-ups.

    >>> t = ObjectTree([CrmObject("A", "A", "project"), CrmObject("B", "B", "project", "A")])
    >>> sorted(t.subtree("A"))
    ['A', 'B']
    """

    def __init__(self, objects: Iterable[CrmObject]):
        self.objects = {o.id: o for o in objects}
        self.children: dict[str, list[str]] = {oid: [] for oid in self.objects}
        for o in self.objects.values():
            if o.parent is not None and o.parent in self.objects:
                self.children[o.parent].append(o.id)
        self._check_cycles()
        self._subtree_cache: dict[str, frozenset[str]] = {}

    def _check_cycles(self) -> None:
        """One pass over the objects: each parent link is followed once.

        Walks up from every object not yet known to be safe; the walk stops at the first
        object already known to reach a root (``done``), and a walk that meets itself
        (``path``) has found a cycle.
        """
        objects, done = self.objects, set()
        for start in objects:
            path: dict[str, None] = {}  # insertion-ordered: the chain for the message
            node = start
            while node is not None and node in objects and node not in done:
                if node in path:
                    cycle = [*list(path)[list(path).index(node) :], node]
                    raise CycleError(f"object parents form a cycle: {' → '.join(cycle)}")
                path[node] = None
                node = objects[node].parent
            done.update(path)

    def __contains__(self, object_id: str) -> bool:
        return object_id in self.objects

    def subtree(self, object_id: str) -> frozenset[str]:
        """``object_id`` and all its descendants (``"*"``: every object)."""
        if object_id == "*":
            return frozenset(self.objects)
        cached = self._subtree_cache.get(object_id)
        if cached is not None:
            return cached
        out, stack = set(), [object_id]
        while stack:
            node = stack.pop()
            if node in out:
                continue
            out.add(node)
            stack.extend(self.children.get(node, ()))
        result = frozenset(out)
        self._subtree_cache[object_id] = result
        return result

    def ancestors(self, object_id: str) -> list[str]:
        """Parents of ``object_id`` from the nearest up to the root."""
        out, node = [], self.objects.get(object_id)
        while node is not None and node.parent is not None and node.parent in self.objects:
            out.append(node.parent)
            node = self.objects[node.parent]
        return out
