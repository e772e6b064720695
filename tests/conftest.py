"""Fixtures and policies shared by every test folder.

Tests that need a program from Debian (LibreOffice, PostgreSQL, libfaketime) call
:func:`need_program`: where it is missing they skip with a clear reason, except under CI
(``CI=true``), where ``.ci/run`` has installed it and a missing program is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def find_program(name: str, extra_globs: tuple[str, ...] = ()) -> str | None:
    """Path of ``name`` on PATH or in one of ``extra_globs`` (newest match first)."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_globs:
        matches = sorted(glob.glob(pattern), reverse=True)
        if matches:
            return matches[0]
    return None


def need_program(name: str, why: str, extra_globs: tuple[str, ...] = ()) -> str:
    """Return the program's path, or skip (fail under CI) saying what is missing and why."""
    path = find_program(name, extra_globs)
    if path:
        return path
    message = f"{name} is not installed; it is needed {why} (Debian: see .ci/run)"
    if IN_CI:
        pytest.fail(f"under CI {message}", pytrace=False)
    pytest.skip(message)


def soffice_path() -> str:
    return need_program(
        "soffice",
        "to open and recalculate workbooks as a second client",
        ("/usr/lib/libreoffice/program/soffice",),
    )


def postgres_bindir() -> str:
    initdb = need_program(
        "initdb", "to run the service tests on PostgreSQL", ("/usr/lib/postgresql/*/bin/initdb",)
    )
    return os.path.dirname(os.path.realpath(initdb))


def pytest_addoption(parser):
    # STYLE §10: tests that need a real Excel (Windows, xlwings with pywin32) are opt-in
    parser.addoption(
        "--excel", action="store_true", help="also run the tests that drive a real Excel"
    )
