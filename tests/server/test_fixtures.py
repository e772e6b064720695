"""The service fixtures: ``db_url`` is at head before the app starts, ``empty_db_url`` has
no schema, and the PostgreSQL databases of a test module are dropped when it ends (a test
module that runs after others finds only its own)."""

from __future__ import annotations

import psycopg
import pytest
from alembic.script import ScriptDirectory
from pixie_server import db, migrations
from sqlalchemy import inspect, text


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
