"""POST /api/v1/ingest: four formats, all or nothing, idempotent by id, tombstones."""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.server.data import LINES_HEADER, ORDERS_HEADER, lines, seed, send, sync_all


def test_lines_are_ingested_and_synced_with_their_task(client, headers):
    h = headers("integration")
    seed(client, h)
    body = lines(
        "L-1,T-1,P-1,ROAD,2026-03-02T08:30:00+01:00,cost,2026-03-03,1200.50,INV-7",
        "L-2,T-1,P-1,ROAD,2026-03-02T08:30:00+01:00,income,2026-03-04,3000,OUT-1",
    )
    result = send(client, h, body).get_json()["results"][0]
    assert (result["format"], result["written"], result["unchanged"]) == ("actuals", 2, 0)
    page = client.get("/api/v1/sync", headers=h).get_json()
    assert page["lines"][0] | {"seq": 0} == {
        "line_id": "L-1",
        "task_id": "T-1",
        "object": "P-1",
        "activity": "ROAD",
        "task_created": "2026-03-02T07:30:00+00:00",
        "kind": "cost",
        "date": "2026-03-03",
        "amount": "1200.50",
        "reference": "INV-7",
        "seq": 0,
    }
    assert page["lines"][1]["amount"] == "3000.00"


def test_resending_the_same_lines_changes_nothing(client, headers):
    h = headers("integration")
    seed(client, h)
    body = lines("L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A")
    send(client, h, body)
    _, cursor, _ = sync_all(client, h)
    result = send(client, h, body).get_json()["results"][0]
    assert (result["written"], result["unchanged"]) == (0, 1)
    page = client.get(f"/api/v1/sync?cursor={cursor}", headers=h).get_json()
    assert page["lines"] == [] and page["deleted"] == []


def test_a_changed_line_is_updated_and_synced_again(client, headers):
    h = headers("integration")
    seed(client, h)
    send(
        client,
        h,
        lines(
            "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A",
            "L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-04,20.00,B",
        ),
    )
    _, cursor, _ = sync_all(client, h)
    send(client, h, lines("L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-04,25.00,B"))
    page = client.get(f"/api/v1/sync?cursor={cursor}", headers=h).get_json()
    assert [(ln["line_id"], ln["amount"]) for ln in page["lines"]] == [("L-2", "25.00")]


def test_moving_a_task_to_another_object_resends_all_its_lines(client, headers):
    h = headers("integration")
    seed(client, h)
    send(
        client,
        h,
        lines(
            "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A",
            "L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-04,20.00,B",
        ),
    )
    _, cursor, _ = sync_all(client, h)
    send(client, h, lines("L-1,T-1,P-2,ROAD,2026-03-02,cost,2026-03-03,10.00,A"))
    state, _, _ = sync_all(client, h, cursor)
    assert state == {
        ("line", "L-1"): ("P-2", "cost", "2026-03-03", "10.00"),
        ("line", "L-2"): ("P-2", "cost", "2026-03-04", "20.00"),
    }


def test_a_batch_with_errors_saves_nothing_and_names_every_row_and_field(client, headers):
    h = headers("integration")
    seed(client, h)
    body = lines(
        "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,fine",
        "L-2,T-1,P-9,ROAD,2026-03-02,cost,2026-03-03,10.00,unknown object",
        "L-3,T-2,P-1,DIG,2026-03-02,cost,2026-03-03,1O.00,bad activity and amount",
        "L-4,T-3,P-1,ROAD,2026-03-02,expense,2026-02-30,1.005,three problems",
        "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,duplicate",
    )
    resp = send(client, h, body, name="march.csv")
    assert resp.status_code == 422
    problem = resp.get_json()
    assert problem["code"] == "validation_failed"
    found = [(f["source"]["sheet"], f["source"]["cell"], f["code"]) for f in problem["findings"]]
    assert found == [
        ("march.csv", "row 3, object", "unknown_object"),
        ("march.csv", "row 4, activity", "unknown_activity"),
        ("march.csv", "row 4, amount", "not_a_number"),
        ("march.csv", "row 5, kind", "bad_kind"),
        ("march.csv", "row 5, date", "bad_date"),
        ("march.csv", "row 5, amount", "too_many_decimals"),
        ("march.csv", "row 6, line_id", "duplicate_id"),
    ]
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []


def test_a_task_with_two_objects_in_one_batch_is_refused(client, headers):
    h = headers("integration")
    seed(client, h)
    resp = send(
        client,
        h,
        lines(
            "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,1,",
            "L-2,T-1,P-2,ROAD,2026-03-02,cost,2026-03-03,1,",
        ),
    )
    assert [f["code"] for f in resp.get_json()["findings"]] == ["task_conflict"]


def test_objects_in_another_currency_are_refused(client, headers):
    resp = send(
        client, headers("integration"), "id,name,kind,parent,currency\nUS-1,Boston,project,,USD\n"
    )
    (finding,) = resp.get_json()["findings"]
    assert finding["code"] == "currency_not_company"
    assert finding["source"] == {"sheet": "upload.csv", "cell": "row 2, currency"}


def test_deleted_lines_and_orders_become_tombstones(client, headers):
    h = headers("integration")
    seed(client, h)
    send(
        client,
        h,
        lines(
            "L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A",
            "L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-04,20.00,B",
        ),
    )
    send(client, h, f"{ORDERS_HEADER}\nPO-1,P-1,ROAD,Acme,2026-03-01,500.00,100.00,approved\n")
    state, cursor, _ = sync_all(client, h)
    assert len(state) == 3
    send(client, h, lines("L-1,,,,,,,,,delete", header=LINES_HEADER + ",op"))
    resp = client.post(
        "/api/v1/ingest", json={"purchase_orders": [{"po_id": "PO-1", "deleted": True}]}, headers=h
    )
    assert resp.get_json()["results"][0]["deleted"] == 1
    page = client.get(f"/api/v1/sync?cursor={cursor}", headers=h).get_json()
    assert [(t["type"], t["id"]) for t in page["deleted"]] == [
        ("line", "L-1"),
        ("purchase_order", "PO-1"),
    ]
    state, _, _ = sync_all(client, h)
    assert list(state) == [("line", "L-2")]
    # sending the line again brings it back
    send(client, h, lines("L-1,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,10.00,A"))
    assert ("line", "L-1") in sync_all(client, h)[0]


def test_purchase_orders_are_upserted(client, headers):
    h = headers("integration")
    seed(client, h)
    send(client, h, f"{ORDERS_HEADER}\nPO-1,P-1,ROAD,Acme,2026-03-01,500.00,0,approved\n")
    send(client, h, f"{ORDERS_HEADER}\nPO-1,P-1,ROAD,Acme,2026-03-01,500.00,500.00,invoiced\n")
    (po,) = client.get("/api/v1/sync", headers=h).get_json()["purchase_orders"]
    assert (po["amount"], po["invoiced_amount"], po["status"]) == ("500.00", "500.00", "invoiced")


def test_json_multipart_and_xlsx_bodies(client, headers):
    h = headers("integration")
    resp = client.post(
        "/api/v1/ingest",
        json={
            "objects": [{"id": "P-1", "name": "Bridge", "kind": "project", "currency": "EUR"}],
            "activities": [{"code": "ROAD", "name": "Road work", "active": True}],
        },
        headers=h,
    )
    assert [r["written"] for r in resp.get_json()["results"]] == [1, 1]
    book = Workbook()
    sheet = book.active
    sheet.append(
        LINE_COLS := [
            "line_id",
            "task_id",
            "object",
            "activity",
            "task_created",
            "kind",
            "date",
            "amount",
            "reference",
        ]
    )
    sheet.append(["L-1", "T-1", "P-1", "ROAD", "2026-03-02", "cost", "2026-03-03", 12.5, "x"])
    buf = io.BytesIO()
    book.save(buf)
    resp = client.post(
        "/api/v1/ingest", data={"file": (io.BytesIO(buf.getvalue()), "march.xlsx")}, headers=h
    )
    assert resp.get_json()["results"][0]["written"] == 1, (resp.get_json(), LINE_COLS)
    (line,) = client.get("/api/v1/sync", headers=h).get_json()["lines"]
    assert line["amount"] == "12.50"


def test_unreadable_files_are_refused_with_a_clear_code(client, headers):
    h = headers("integration")
    assert send(client, h, "").get_json()["code"] == "empty_file"
    assert send(client, h, "what,is,this\n1,2,3\n").get_json()["code"] == "unknown_format"
    resp = client.post(
        "/api/v1/ingest", data=b"PK\x03\x04broken", content_type="text/csv", headers=h
    )
    assert (resp.status_code, resp.get_json()["code"]) == (422, "bad_workbook")
    resp = client.post("/api/v1/ingest", data=b"\xff\xfe\x00", content_type="text/csv", headers=h)
    assert resp.get_json()["code"] == "not_utf8"
    resp = client.post("/api/v1/ingest", data="x", content_type="image/png", headers=h)
    assert resp.get_json()["code"] == "unsupported_media_type"


def test_every_batch_is_audited(client, headers):
    h = headers("integration")
    seed(client, h)
    entries = client.get("/api/v1/audit?entity=batch", headers=h).get_json()["entries"]
    assert [(e["action"], e["actor"], e["after"][0]["format"]) for e in entries] == [
        ("ingest", "integration-user", "objects"),
        ("ingest", "integration-user", "activities"),
    ]


def test_chunks_written_before_a_late_error_are_rolled_back(client, headers, monkeypatch):
    from pixie_server import actuals_write

    monkeypatch.setattr(actuals_write, "CHUNK", 3)
    h = headers("integration")
    seed(client, h)
    good = [f"L-{i},T-{i // 2},P-1,ROAD,2026-03-02,cost,2026-03-03,{i}.00," for i in range(10)]
    resp = send(client, h, lines(*good, "L-99,T-99,P-1,ROAD,2026-03-02,cost,2026-03-03,x,"))
    assert resp.status_code == 422
    assert client.get("/api/v1/sync", headers=h).get_json()["lines"] == []
    assert send(client, h, lines(*good)).get_json()["results"][0]["written"] == 10
    state, _, _ = sync_all(client, h)
    assert sorted(k[1] for k in state) == sorted(f"L-{i}" for i in range(10))


def test_text_from_the_crm_is_kept_exactly_and_nul_is_refused(client, headers):
    h = headers("integration")
    seed(client, h)
    refs = ["=HYPERLINK()", 'Müller & Söhne, "quoted"', "tab\there", "line\nbreak"]

    def body(refs: list[str]) -> dict:
        line = {
            "task_id": "T-1",
            "object": "P-1",
            "activity": "ROAD",
            "kind": "cost",
            "task_created": "2026-03-02",
            "date": "2026-03-03",
            "amount": "1.00",
        }
        return {
            "actuals": [
                line | {"line_id": f"L-{i}", "reference": ref} for i, ref in enumerate(refs)
            ]
        }

    resp = client.post("/api/v1/ingest", json=body([*refs, "nul\x00inside"]), headers=h)
    assert (resp.status_code, resp.get_json()["code"]) == (422, "nul_character")
    resp = send(client, h, lines("L-9,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,1.00,a\x00b"))
    assert resp.get_json()["code"] == "nul_character"
    assert client.post("/api/v1/ingest", json=body(refs), headers=h).status_code == 200
    got = [ln["reference"] for ln in client.get("/api/v1/sync", headers=h).get_json()["lines"]]
    assert got == refs
