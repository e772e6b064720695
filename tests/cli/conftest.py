"""A live sync service for the workbook-side tests: ``pixie-xl serve`` in a subprocess.

The service runs on a free loopback port with a temporary SQLite file and token file, its
clock pinned (``PIXIE_CLOCK_AT``) so that the locking rules give the same answers on any
day; the demo dataset is ingested once.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pixie_xl import client as wire

#: the service's clock in these tests: early November 2026, Amsterdam time
CLOCK_AT = "2026-11-02T09:00:00+01:00"


@pytest.fixture(scope="session")
def live_service(tmp_path_factory):
    """``(url, folder)`` of a running service holding the demo dataset."""
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
def workbook(env, tmp_path) -> Path:
    """A fresh .xlsm built by the builder, pointing at the live service."""
    from pixie_xl.excel.builder import build_workbook

    path = tmp_path / "Budget.xlsm"
    build_workbook(path, server_url=env)
    return path
