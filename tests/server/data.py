"""Small ingest tables a person can check by hand, and a helper to send them."""

from __future__ import annotations

import requests

OBJECTS = """id,name,kind,parent,currency
D-1,Roads,department,,EUR
P-1,Bridge,project,D-1,EUR
P-2,Tunnel,project,D-1,EUR
"""
ACTIVITIES = """code,name,active
ROAD,Road work,true
MAINT,Maintenance,true
"""
LINES_HEADER = "line_id,task_id,object,activity,task_created,kind,date,amount,reference"
ORDERS_HEADER = "po_id,object,activity,vendor,ordered_on,amount,invoiced_amount,status"


def lines(*rows: str, header: str = LINES_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def send(client, headers, body: str, name: str = "upload.csv", **extra):
    return client.post(
        f"/api/v1/ingest?name={name}",
        data=body.encode(),
        content_type="text/csv",
        headers={**headers, **extra},
    )


def seed(client, headers) -> None:
    for table in (OBJECTS, ACTIVITIES):
        assert send(client, headers, table).status_code == 200


def sync_all(client, headers, cursor: str = "", limit: int = 5000) -> tuple[dict, str, int]:
    """Apply every page from ``cursor``; returns (state by (type, id), cursor, pages)."""
    state: dict = {}
    pages = 0
    while True:
        page = client.get(f"/api/v1/sync?cursor={cursor}&limit={limit}", headers=headers)
        page = page.get_json()
        pages += 1
        apply(state, page)
        cursor = page["next_cursor"]
        if not page["more"]:
            return state, cursor, pages


def apply(state: dict, page: dict) -> None:
    for ln in page["lines"]:
        state[("line", ln["line_id"])] = (ln["object"], ln["kind"], ln["date"], ln["amount"])
    for po in page["purchase_orders"]:
        state[("purchase_order", po["po_id"])] = (po["object"], po["amount"], po["status"])
    for t in page["deleted"]:
        state.pop((t["type"], t["id"]), None)


def synced_lines(url: str, auth: dict) -> int:
    """Every live line a full JSON sync returns, page by page from a blank cursor."""
    seen, cursor = 0, ""
    while True:
        page = requests.get(
            f"{url}/api/v1/sync", params={"cursor": cursor, "limit": 50000}, headers=auth
        ).json()
        seen += len(page["lines"])
        cursor = page["next_cursor"]
        if not page["more"]:
            return seen
