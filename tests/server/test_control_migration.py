"""Migration 0004 on a database at 0003 that already holds settings: the stored settings
stay, ``on_over`` reads ``warn``, and the webhook tables are there and empty."""

from __future__ import annotations

from pixie_server import db, migrations
from sqlalchemy import inspect, text

from pixie_xl import client as wire


def test_0004_upgrades_a_database_with_settings(empty_db_url, make_app, token_file):
    db_url = empty_db_url
    engine = db.make_engine(db_url)
    migrations.upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("UPDATE settings SET warn_ratio = '0.75', timezone = 'Europe/Berlin'"))
    engine.dispose()
    app = make_app(db_url)
    token, _ = wire.read_token_file(token_file)
    got = app.test_client().get("/api/v1/settings", headers={"Authorization": f"Bearer {token}"})
    assert got.status_code == 200, got.json
    assert (got.json["warn_ratio"], got.json["timezone"], got.json["on_over"]) == (
        "0.75",
        "Europe/Berlin",
        "warn",
    )
    tables = set(inspect(db.engine(app)).get_table_names())
    assert {"webhooks", "webhook_events", "webhook_deliveries", "row_statuses"} <= tables
    with db.engine(app).connect() as conn:
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    assert version >= "0004"  # upgraded to head, past 0004 (0005: ingest staging)
