"""Every package in the tree is listed in pyproject.toml, so an install ships all of it."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_folder_is_listed():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set()
    for top, name in (("pixie_xl", "pixie_xl"), ("server", "pixie_server")):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / top)
            found.add(".".join([name, *rel.parts]))
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"


def test_core_imports_nothing_outside_core():
    """STYLE §1: the core does no I/O and imports point inward."""
    forbidden = (
        "xlwings",
        "flask",
        "sqlalchemy",
        "openpyxl",
        "requests",
        "pixie_server",
        "pixie_xl.sheets",
        "pixie_xl.excel",
        "pixie_xl.cli",
        "pixie_xl.client",
        "sqlite3",
        "python_calamine",
        "xlsxwriter",
    )
    for path in (ROOT / "pixie_xl" / "core").rglob("*.py"):
        text = path.read_text()
        for name in forbidden:
            assert f"import {name}" not in text and f"from {name}" not in text, (path, name)
