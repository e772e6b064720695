"""Every package in the tree is listed in pyproject.toml, so an install ships all of it, and
a plain install (no extras) builds a workbook."""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

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


def _copy_of_the_tree(dst: Path) -> Path:
    """What ``pip install .`` sees: the tree without the venv, caches and build output (a
    copy, so that the build writes nothing into the shared working tree)."""
    import shutil

    skip = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", "bench"
    )
    return Path(shutil.copytree(ROOT, dst / "pixie-xl", ignore=skip))


@pytest.mark.slow
def test_a_plain_install_builds_a_workbook(tmp_path):
    """``pip install .`` with no extras, then ``pixie-xl workbook new``: the VBA project
    ships as package data, so neither pyOpenVBA nor oletools is needed."""
    import subprocess
    import sys

    venv = tmp_path / "venv"
    # a venv without pip of its own, filled by this interpreter's pip (``--python``), and no
    # byte-compiling: the same packages installed, minutes less of the suite's time
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    tree = _copy_of_the_tree(tmp_path)
    pip = [sys.executable, "-m", "pip", "--python", str(py), "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--quiet", "--no-compile", str(tree)], check=True, timeout=600)
    listed = subprocess.run(
        [*pip, "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    assert "pixie-xl" in listed and "openpyxl" in listed  # the install went into this venv
    assert "pyopenvba" not in listed and "oletools" not in listed
    out = tmp_path / "X.xlsm"
    done = subprocess.run(
        [str(venv / "bin" / "pixie-xl"), "workbook", "new", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    wb = openpyxl.load_workbook(out, keep_vba=True)
    assert "Pixie" in wb.sheetnames and "xlwings.conf" in wb.sheetnames
    with zipfile.ZipFile(out) as zf:
        assert (
            zf.read("xl/vbaProject.bin")
            == (ROOT / "pixie_xl" / "excel" / "vba" / "vbaProject.bin").read_bytes()
        )
