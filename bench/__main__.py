"""``python -m bench [NAME ...]``: run the benchmarks, print a table, write bench/results.json.

Each ``bench/bench_*.py`` module has ``run() -> list[Result]``; each runs in a fresh process
so that peak-memory figures belong to one benchmark only.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

from bench.harness import Result, table, write

HERE = Path(__file__).parent


def _modules(selected: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if not selected or any(s in n for s in selected)]


def _run_one(module: str) -> list[Result]:
    if "--inline" in sys.argv:
        return importlib.import_module(f"bench.{module}").run()
    code = (
        "import json, dataclasses, importlib;"
        f"rs = importlib.import_module('bench.{module}').run();"
        "print('@@RESULTS@@' + json.dumps([dataclasses.asdict(r) for r in rs]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=HERE.parent, text=True, stdout=subprocess.PIPE
    )
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULTS@@"):
            return [Result(**r) for r in json.loads(line.removeprefix("@@RESULTS@@"))]
        print(line)
    print(f"{module}: failed (exit {proc.returncode})", file=sys.stderr)
    return []


def main() -> int:
    selected = [a for a in sys.argv[1:] if not a.startswith("--")]
    results: list[Result] = []
    for module in _modules(selected):
        print(f"== {module}", flush=True)
        results += _run_one(module)
    print()
    print(table(results))
    write(results)
    print(f"\nwrote {HERE / 'results.json'} ({len(results)} results)")
    return 0  # a missed target is reported in the table, not as a failure


if __name__ == "__main__":
    sys.exit(main())
