"""The service fixtures: ``db_url`` is at head before the app starts, ``empty_db_url`` has
no schema, the PostgreSQL databases of a test module are dropped when it ends (a test
module that runs after others finds only its own), and a live server stops whole."""

from __future__ import annotations

import threading

import psycopg
import pytest
import requests
from alembic.script import ScriptDirectory
from pixie_server import db, migrations
from sqlalchemy import inspect, text
from waitress.server import create_server

from tests.server.conftest import stop_waitress


def test_db_url_is_a_database_already_at_head(db_url):
    engine = db.make_engine(db_url)
    try:
        with engine.connect() as conn:
            got = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()
    assert [got] == ScriptDirectory.from_config(migrations.config()).get_heads()


def test_empty_db_url_has_no_tables(empty_db_url):
    engine = db.make_engine(empty_db_url)
    try:
        assert inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_cluster_holds_no_database_of_an_earlier_module(db_url, postgres):
    with psycopg.connect(
        f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres"
    ) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pixie%'")
        names = {name for (name,) in rows}
    owners = {postgres.owners[name] for name in names - {postgres._template()}}
    assert owners == {__name__}
    assert db_url.rsplit("/", 1)[1] in names


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_live_server_stops_with_its_loop_ended_and_its_workers_joined(app):
    """What the ``live_server`` fixture does at its end: with a keep-alive connection still
    open, the stop leaves no thread of the server running (it used to close the sockets
    under the loop's ``select`` and leave the workers to write to a closed trigger)."""
    before = set(threading.enumerate())
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(f"http://127.0.0.1:{server.effective_port}/healthz").ok
        stop_waitress(server, loop)
    assert not loop.is_alive()
    assert [t.name for t in set(threading.enumerate()) - before if t.is_alive()] == []
