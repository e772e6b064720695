"""The report keeps each budget's history between requests and loads again only budgets
whose rows moved (pixie_server.report_facts.Budgets). On the hand-checked January dataset
of ``test_reports``: a correction, its edit and its deletion each show in the next report
(a deleted correction leaves the budget's issued token as it was, so the versions' own
tokens are what tells it), and the budgets no write touched are not loaded again."""

from __future__ import annotations

from pixie_server import db
from pixie_server.models import ObjectRow

from tests.server.test_reports import JAN, reports  # noqa: F401  (the dataset fixture)


def _p2_road(reports) -> tuple[str, str]:  # noqa: F811
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    row = next(r for r in rows if (r["object"], r["activity"]) == ("P2", "ROAD"))
    return row["original"], row["current"]


def _kept(reports) -> dict:  # noqa: F811
    return {b: h for b, (_, h) in reports.app.extensions["pixie_report_budgets"]._kept.items()}


def test_a_correction_its_edit_and_its_deletion_show_in_the_next_report(reports):  # noqa: F811
    assert _p2_road(reports) == ("1000.00", "1000.00")
    (p2,) = reports.call("GET", "/api/v1/budgets?object=P2")["budgets"]
    before = _kept(reports)
    # the master was made on 5 January, so on 10 February a change is a correction (R3)
    fixed = reports.budget("P2", [("ROAD", "0", "1500.00")], p2["id"], p2["version"])
    assert _p2_road(reports) == ("1000.00", "1500.00")
    after = _kept(reports)
    assert after[p2["id"]] is not before[p2["id"]]
    assert all(after[b] is h for b, h in before.items() if b != p2["id"])
    edited = reports.budget("P2", [("ROAD", "0", "1200.00")], p2["id"], fixed["version"])
    assert _p2_road(reports) == ("1000.00", "1200.00")
    gone = reports.call("DELETE", f"/api/v1/budgets/{p2['id']}?version={edited['version']}")
    assert gone["deleted"] == "correction"
    assert _p2_road(reports) == ("1000.00", "1000.00")


def test_a_deleted_budget_leaves_the_next_report(reports):  # noqa: F811
    with reports.app.app_context(), db.transaction(reports.app) as s:
        s.add(ObjectRow(id="P4", name="Yard", kind="project", currency="EUR"))
    new = reports.budget("P4", [("ROAD", "0", "300.00")])
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert [r["current"] for r in rows if r["object"] == "P4"] == ["300.00"]
    reports.call("DELETE", f"/api/v1/budgets/{new['id']}?version={new['version']}")
    rows = reports.call("GET", f"/api/v1/variance?{JAN}")["rows"]
    assert [r for r in rows if r["object"] == "P4"] == []
