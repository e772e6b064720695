"""On PostgreSQL the lines of an actual-lines batch go in by COPY (issue 12.4): staged in
short COPY transactions when long, copied inside the write transaction when short, then
merged by one statement. All or nothing still holds, and what is stored is what was sent,
to the cent and to the character (COPY's text format escapes tabs, newlines, backslashes
and carriage returns)."""

from __future__ import annotations

import pytest
from pixie_server import db, staging
from sqlalchemy import text

from tests.server.data import lines, seed, send


@pytest.fixture
def pg_url(db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("COPY is the PostgreSQL way; SQLite merges JSON chunks")
    return db_url


def row(i: int, ref: str = "") -> str:
    """Line ``i``: five lines a task, both kinds, negative and large amounts."""
    cents = (i * 7919) % 10**10 * (-1 if i % 7 == 0 else 1)
    amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    kind = "income" if i % 4 == 0 else "cost"
    day = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
    return f"L-{i},T-{i // 5},P-{1 + i // 5 % 2},ROAD,2026-01-01,{kind},{day},{amount},{ref or i}"


def stored(app) -> dict[str, tuple]:
    """Every stored line as the text the sync answers: id → (task, kind, day, amount, ref)."""
    with db.engine(app).connect() as conn:
        found = conn.execute(
            text("SELECT id, task_id, kind, date, amount_minor, reference FROM actual_lines")
        ).all()
    return {
        lid: (task, kind, day.isoformat(), _decimal(minor), ref)
        for lid, task, kind, day, minor, ref in found
    }


def _decimal(minor: int) -> str:
    return f"{'-' if minor < 0 else ''}{abs(minor) // 100}.{abs(minor) % 100:02d}"


def sent(rows: list[str]) -> dict[str, tuple]:
    cells = [r.split(",", 8) for r in rows]
    return {c[0]: (c[1], c[5], c[6], c[7], c[8]) for c in cells}


def staged_rows(app) -> int:
    with db.engine(app).connect() as conn:
        return conn.execute(text("SELECT count(*) FROM ingest_staging")).scalar_one()


def test_a_long_batch_is_copied_in_chunks_and_stored_to_the_cent(app, client, headers, pg_url):
    """60,000 lines: more than one staging batch's threshold and three COPY chunks."""
    h = headers("integration")
    seed(client, h)
    rows = [row(i) for i in range(60_000)]
    assert len(rows) > staging.STAGE_ABOVE and len(rows) > 2 * staging.CHUNK
    resp = send(client, h, lines(*rows))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"][0]["written"] == 60_000
    assert stored(app) == sent(rows)
    assert staged_rows(app) == 0
    again = send(client, h, lines(*rows)).get_json()["results"][0]
    assert (again["written"], again["unchanged"]) == (0, 60_000)


#: references COPY's text format must escape (a CSV upload cannot hold a line break)
CSV_REFS = ["tab\there", "back\\slash", "\\N", "  both  ", "a\\tb"]
JSON_REFS = [*CSV_REFS, "new\nline", "carriage\rreturn", "\\\n\t\\"]


def test_text_that_copy_escapes_is_stored_exactly_when_copied_in_the_write(
    app, client, headers, pg_url
):
    h = headers("integration")
    seed(client, h)
    cols = ["line_id", "task_id", "object", "activity", "task_created", "kind", "date", "amount"]
    items = [dict(zip(cols, row(i).split(",")[:8], strict=True)) for i in range(len(JSON_REFS))]
    body = {"actuals": [i | {"reference": r} for i, r in zip(items, JSON_REFS, strict=True)]}
    assert client.post("/api/v1/ingest", json=body, headers=h).status_code == 200
    got = stored(app)
    assert [got[f"L-{i}"][4] for i in range(len(JSON_REFS))] == JSON_REFS


def test_text_that_copy_escapes_is_stored_exactly_when_staged(
    app, client, headers, pg_url, monkeypatch
):
    monkeypatch.setattr(staging, "STAGE_ABOVE", 3)
    monkeypatch.setattr(staging, "CHUNK", 2)
    h = headers("integration")
    seed(client, h)
    rows = [row(i, f'"{r}"') for i, r in enumerate(CSV_REFS)]
    assert send(client, h, lines(*rows)).status_code == 200
    got = stored(app)
    assert [got[f"L-{i}"][4] for i in range(len(CSV_REFS))] == CSV_REFS
    assert staged_rows(app) == 0


def test_a_bad_line_in_the_middle_of_a_long_batch_leaves_nothing(app, client, headers, pg_url):
    h = headers("integration")
    seed(client, h)
    rows = [row(i) for i in range(60_000)]
    rows[30_000] = rows[30_000].replace(",2026-01-01,", ",2026-13-01,", 1)
    resp = send(client, h, lines(*rows))
    assert resp.status_code == 422
    (finding,) = resp.get_json()["findings"]
    assert (finding["source"]["cell"], finding["code"]) == ("row 30002, task_created", "bad_date")
    assert stored(app) == {} and staged_rows(app) == 0


@pytest.mark.parametrize("long", [False, True], ids=["copied-in-the-write", "staged"])
def test_a_line_the_database_refuses_in_the_merge_leaves_nothing(
    app, client, headers, pg_url, monkeypatch, long
):
    """A trigger refuses one line in the middle (as a constraint would): the merge fails,
    its transaction rolls back with the copied lines and the tasks, staged rows go."""
    if long:
        monkeypatch.setattr(staging, "STAGE_ABOVE", 3)
        monkeypatch.setattr(staging, "CHUNK", 4)
    h = headers("integration")
    seed(client, h)
    with db.engine(app).begin() as conn:
        conn.exec_driver_sql(
            "CREATE FUNCTION refuse_l5() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.id = 'L-5' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER refuse_l5 BEFORE INSERT ON actual_lines"
            " FOR EACH ROW EXECUTE FUNCTION refuse_l5()"
        )
    rows = [row(i) for i in range(10)]
    resp = send(client, h, lines(*rows))
    assert resp.status_code == 500
    assert stored(app) == {} and staged_rows(app) == 0
    with db.engine(app).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tasks")).scalar_one() == 0
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []


def test_the_staging_table_is_unlogged_and_the_migration_goes_both_ways(pg_url):
    """Staged lines are rows of batches not yet merged: PostgreSQL writes them without the
    write-ahead log (migration 0007), and 0006 gets the logged table back."""
    from alembic import command
    from pixie_server import migrations

    engine = db.make_engine(pg_url)

    def persistence() -> str:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT relpersistence FROM pg_class WHERE relname = 'ingest_staging'")
            ).scalar_one()

    try:
        assert persistence() == "u"
        command.downgrade(migrations.config(engine), "0006")
        assert persistence() == "p"
        migrations.upgrade(engine)
        assert persistence() == "u"
    finally:
        engine.dispose()
