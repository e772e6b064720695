"""The workbook's cache refreshed from a live service: a full pull as Arrow, then deltas."""

from __future__ import annotations

from datetime import date

import pytest

from pixie_xl import client as wire
from pixie_xl.excel import cache as cache_mod
from pixie_xl.excel.cache import Cache, lookup
from tests.server.data import LINES_HEADER, ORDERS_HEADER, lines, seed, send


class Recording(wire.Client):
    """The real client, noting which sync form each page was asked in."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.asked: list[tuple[str, str | None]] = []

    def sync(self, cursor=None, limit=None):
        self.asked.append(("json", cursor))
        return super().sync(cursor, limit)

    def sync_table(self, cursor=None):
        self.asked.append(("arrow", cursor))
        return super().sync_table(cursor)


@pytest.fixture
def service(app, client, headers, live_server, tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(lookup, "CHECK_EVERY", 0.0)
    cache_mod.forget_lookups()
    h = headers("integration")
    seed(client, h)
    body = lines(
        "L1,T1,P-1,ROAD,2026-03-01T09:00:00+00:00,cost,2026-03-02,100.00,R1",
        "L2,T2,P-1,ROAD,2026-03-01T09:00:00+00:00,cost,2026-03-03,0.05,R2",
        "L3,T3,P-2,MAINT,2026-03-01T09:00:00+00:00,income,2026-03-04,250.10,",
    )
    assert send(client, h, body).status_code == 200
    orders = lines("PO-1,P-1,ROAD,Acme,2026-03-05,500.00,200.00,approved", header=ORDERS_HEADER)
    assert send(client, h, orders).status_code == 200
    rec = Recording(live_server, headers("viewer")["Authorization"].split()[1])
    yield rec
    rec.session.close()


def stored(cache: Cache) -> dict:
    t = cache.lines()
    return dict(zip(t["line_id"].to_pylist(), t["amount"].to_pylist(), strict=True))


def test_a_first_refresh_pulls_every_line_as_arrow(service, client, headers):
    cache = Cache(service.base_url)
    stats = cache.refresh(service)
    assert service.asked == [("arrow", None)]
    assert (stats.pages, stats.lines, stats.purchase_orders) == (1, 3, 1)
    assert stored(cache) == {"L1": 100_00, "L2": 5, "L3": 250_10}
    last = client.get("/api/v1/sync?limit=1", headers=headers("viewer")).get_json()
    assert cache.meta("cursor") == cache.lines_cursor() != ""
    assert int(cache.meta("cursor")) >= int(last["next_cursor"])
    mar = (date(2026, 3, 1).toordinal(), date(2026, 3, 31).toordinal())
    lk = cache.lookup()
    assert lk.amount("D-1", "*", *mar, "cost") == 100_05
    assert lk.amount("D-1", "*", *mar, "committed") == 300_00
    assert lk.amount("P-2", "MAINT", *mar, "income") == 250_10
    # master data comes back as records, and the cache is the most recent one
    assert [o.id for o in cache.objects()] == ["D-1", "P-1", "P-2"]
    assert cache.tree().ancestors("P-1") == ["D-1"]
    assert Cache.most_recent().server_url == service.base_url
    # the service's clock says 10 March, whatever this machine's says
    assert cache.server_today() == date(2026, 3, 10)


def test_the_next_refresh_moves_only_the_changes_as_json(service, client, headers):
    cache = Cache(service.base_url)
    cache.refresh(service)
    first = cache.lookup()
    cursor = cache.meta("cursor")
    h = headers("integration")
    assert send(client, h, lines("L2,T2,P-1,ROAD,2026-03-01T09:00:00+00:00,cost,"
                                 "2026-03-03,120.00,R2")).status_code == 200  # fmt: skip
    gone = lines("L1,,,,,,,,,delete", header=LINES_HEADER + ",op")
    assert send(client, h, gone).status_code == 200
    service.asked.clear()
    stats = cache.refresh(service)
    assert service.asked == [("json", cursor)]  # it starts where the last refresh stopped
    assert (stats.lines, stats.deleted) == (1, 1)
    assert stored(cache) == {"L2": 120_00, "L3": 250_10}
    again = cache.lookup()
    assert again is not first
    mar = (date(2026, 3, 1).toordinal(), date(2026, 3, 31).toordinal())
    assert again.amount("P-1", "ROAD", *mar, "cost") == 120_00
    # nothing changed since: one empty page, the same lines
    service.asked.clear()
    assert cache.refresh(service).lines == 0 and stored(cache) == {"L2": 120_00, "L3": 250_10}


def test_a_refresh_cut_between_its_two_writes_repeats_and_converges(service, client, headers):
    """The lines file moved on, SQLite did not (the process died in between)."""
    cache = Cache(service.base_url)
    cache.refresh(service)
    old = cache.meta("cursor")
    h = headers("integration")
    assert send(client, h, lines("L4,T4,P-2,ROAD,2026-03-01T09:00:00+00:00,cost,"
                                 "2026-03-06,7.00,")).status_code == 200  # fmt: skip
    cache.refresh(service)
    with cache.connect() as conn:
        conn.execute("UPDATE meta SET value=? WHERE key='cursor'", (old,))
    service.asked.clear()
    cache.refresh(service)
    assert service.asked == [("json", old)]
    assert stored(cache) == {"L1": 100_00, "L2": 5, "L3": 250_10, "L4": 7_00}
    # and a cache without its lines file starts again from the beginning
    (cache.dir / "lines.arrow").unlink()
    service.asked.clear()
    cache.refresh(service)
    assert service.asked == [("arrow", None)] and len(stored(cache)) == 4
