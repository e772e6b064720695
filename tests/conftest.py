"""Fixtures and policies shared by every test folder.

Tests that need a program from Debian (LibreOffice, PostgreSQL, libfaketime) call
:func:`need_program`: where it is missing they skip with a clear reason, except under CI
(``CI=true``), where ``.ci/run`` has installed it and a missing program is a failure.
"""

from __future__ import annotations

import glob
import os
import shutil

import hypothesis
import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests run on a busy machine (several workers on two cores, other programs): an
# example that takes longer than Hypothesis' default 200 ms is no failure here. A test's own
# ``@settings`` (its number of examples) still rules.
hypothesis.settings.register_profile("suite", deadline=None)
hypothesis.settings.load_profile("suite")


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


@pytest.fixture(scope="session", autouse=True)
def _services_start_slowly_on_a_busy_machine():
    """A ``pixie-xl serve`` started by the demo's ``service()`` may take up to 120 s to answer
    (its 30 s was passed on a machine busy with four workers and more: a first start that
    migrates a new database)."""
    from pixie_xl.demo import run

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(run, "START_TIMEOUT", 120.0)
        yield


#: the service's clock in these tests: early November 2026, Amsterdam time
CLOCK_AT = "2026-11-02T09:00:00+01:00"


@pytest.fixture(scope="session")
def live_service(tmp_path_factory):
    """``(url, folder)`` of a running ``pixie-xl serve`` holding the demo dataset: one per
    session, for the cli and excel tests (a module that imports this fixture would make a
    session fixture of its own, so a second service: request it, do not import it)."""
    from pixie_xl import client as wire
    from pixie_xl.demo import dataset
    from pixie_xl.demo.run import service

    folder = tmp_path_factory.mktemp("service")
    files = dataset.write(dataset.generate(), folder / "data")
    old = os.environ.get("PIXIE_TOKEN_FILE")
    os.environ["PIXIE_TOKEN_FILE"] = str(folder / "token")
    try:
        with service(folder, CLOCK_AT) as url:
            client = wire.Client(url)
            for name in ("objects", "activities", "actuals", "purchase_orders"):
                client.ingest(files[name])
            yield url, folder
    finally:
        if old is None:
            os.environ.pop("PIXIE_TOKEN_FILE", None)
        else:
            os.environ["PIXIE_TOKEN_FILE"] = old
