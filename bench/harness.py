"""What every benchmark reports, and how (``make bench`` → a table and bench/results.json).

A benchmark measures its figure and, in the same run, the *floor* it is judged against (for
example the bare pandas group-by the variance must stay within 2× of). ``ratio`` is
value / floor where a floor applies; ``met`` says whether the target holds.
"""

from __future__ import annotations

import gc
import json
import resource
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Result:
    #: what was measured, e.g. ``variance_1m_actuals_100k_budget_lines``
    name: str
    value: float
    unit: str
    #: the target as a number in ``unit`` (or as a ratio, where ``target_is_ratio``)
    target: float | None
    #: the figure measured in the same run that the target is relative to (None: absolute)
    floor: float | None
    ratio: float | None
    met: bool | None


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Fastest wall time of ``repeat`` runs of ``fn``, in seconds."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def relative(name: str, value: float, floor: float, unit: str, max_ratio: float) -> Result:
    """A result judged as ``value <= max_ratio × floor`` (e.g. within 2× of pandas)."""
    ratio = value / floor if floor else None
    return Result(
        name, value, unit, max_ratio * floor, floor, ratio, ratio is not None and ratio <= max_ratio
    )


def at_least(name: str, value: float, floor: float, unit: str, min_ratio: float) -> Result:
    """A result judged as ``value >= min_ratio × floor`` (e.g. half the bare insert rate)."""
    ratio = value / floor if floor else None
    return Result(
        name, value, unit, min_ratio * floor, floor, ratio, ratio is not None and ratio >= min_ratio
    )


def absolute(
    name: str,
    value: float,
    unit: str,
    target: float | None,
    lower_is_better: bool = True,
    floor: float | None = None,
) -> Result:
    """A result judged against a fixed target (e.g. under 50 ms); ``floor`` for reference."""
    met = None if target is None else (value <= target if lower_is_better else value >= target)
    ratio = value / floor if floor else None
    return Result(name, value, unit, target, floor, ratio, met)


def write(results: list[Result], path: Path = RESULTS) -> None:
    path.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")


def table(results: list[Result]) -> str:
    def fmt(x):
        if x is None:
            return "-"
        return f"{x:.4g}" if isinstance(x, float) else str(x)

    rows = [("name", "value", "unit", "target", "floor", "ratio", "met")]
    rows += [
        (
            r.name,
            fmt(r.value),
            r.unit,
            fmt(r.target),
            fmt(r.floor),
            fmt(r.ratio),
            {True: "yes", False: "NO", None: "-"}[r.met],
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )
