"""A live sync service for the workbook-side tests: ``pixie-xl serve`` in a subprocess.

The service (``live_service``, in tests/conftest.py so that the excel tests share the same
one) runs on a free loopback port with a temporary SQLite file and token file, its clock
pinned (``PIXIE_CLOCK_AT``) so that the locking rules give the same answers on any day; the
demo dataset is ingested once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pixie_xl import client as wire
from tests.conftest import CLOCK_AT  # noqa: F401 - the tests import it from here


@pytest.fixture
def env(live_service, tmp_path, monkeypatch):
    """A test's environment: the service's token file, its own cache folder."""
    url, folder = live_service
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(folder / "token"))
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PIXIE_TOKEN", raising=False)
    monkeypatch.setenv("PIXIE_SERVER", url)
    from pixie_xl.excel import cache, udfs

    cache.forget_lookups()
    udfs.forget()
    return url


@pytest.fixture
def client(env):
    return wire.Client(env)


@pytest.fixture
def clean(client):
    """The ``client``; the budgets a test saves on the shared service are deleted when it
    ends, passed or failed (later tests count theirs; the clock of the service keeps them
    editable, so they may be deleted)."""
    before = {b["id"] for b in client.budgets()}
    yield client
    for b in client.budgets():
        if b["id"] not in before:
            client.delete_budget(str(b["id"]), b["version"])


@pytest.fixture
def workbook(env, tmp_path) -> Path:
    """A fresh .xlsm built by the builder, pointing at the live service."""
    from pixie_xl.excel.builder import build_workbook

    path = tmp_path / "Budget.xlsm"
    build_workbook(path, server_url=env)
    return path
