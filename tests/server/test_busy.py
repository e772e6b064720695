"""D4: a writer that cannot get the write lock in time answers 503 ``busy`` with
``Retry-After`` (not 500 after 30 s), on SQLite and PostgreSQL; readers are not held up,
and once the lock is free the same write goes through."""

from __future__ import annotations

import time

import pytest
from pixie_server import auth, create_app, db
from sqlalchemy import text


@pytest.fixture
def busy_app(db_url, clock, token_file):
    app = create_app(
        {
            "TESTING": True,
            "PIXIE_DATABASE_URL": db_url,
            "PIXIE_CLOCK": clock,
            "PIXIE_TOKEN_FILE": str(token_file),
            "PIXIE_LOCK_TIMEOUT": "0.5",
        },
        first_token=False,
    )
    with app.app_context(), db.transaction(app) as s:
        app.config["ADMIN"] = {"Authorization": f"Bearer {auth.add_token(s, 'admin', 'a', app)}"}
    yield app
    db.engine(app).dispose()


def hold_write_lock(db_url: str):
    """Another process's long write: a transaction that took the write lock and waits."""
    engine = db.make_engine(db_url)
    conn = engine.connect()
    conn.begin()
    conn.execute(text("UPDATE sync_state SET version = version + 1 WHERE id = 1"))
    return engine, conn


@pytest.mark.timeout(60)
def test_a_write_that_cannot_get_the_lock_in_time_answers_503_busy(busy_app, db_url):
    client, h = busy_app.test_client(), busy_app.config["ADMIN"]
    engine, conn = hold_write_lock(db_url)
    try:
        began = time.monotonic()
        resp = client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=h)
        waited = time.monotonic() - began
        assert resp.status_code == 503
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"] == "busy"
        assert int(resp.headers["Retry-After"]) >= 1
        assert waited < 20  # the configured 0.5 s, not the old 30 s
        # readers still answer while the writer holds the lock
        assert client.get("/api/v1/settings", headers=h).get_json()["over_ratio"] == "1.0"
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()
    again = client.put("/api/v1/settings", json={"over_ratio": "1.1"}, headers=h)
    assert (again.status_code, again.get_json()["over_ratio"]) == (200, "1.1")


def test_a_lock_timeout_that_is_not_a_number_of_seconds_stops_the_start(db_url, token_file):
    with pytest.raises(ValueError, match="PIXIE_LOCK_TIMEOUT"):
        create_app(
            {
                "PIXIE_DATABASE_URL": db_url,
                "PIXIE_TOKEN_FILE": str(token_file),
                "PIXIE_LOCK_TIMEOUT": "soon",
            },
            first_token=False,
        )
