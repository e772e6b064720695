"""Hypothesis against the ingest (CSV and JSON) and budget endpoints (issue 9, "Done when"):
whatever text, CSV or JSON arrives, the answer is never a 5xx, and every refusal is a
problem+json. Near-valid inputs (the real headers, a known object and activity, amounts and
dates that almost parse) are mixed with hostile ones (quotes, line breaks, NUL, lone
surrogates, huge numbers, deep nesting), on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pixie_server.ingest import FORMATS

from tests.server.data import seed

EXAMPLES = int(os.environ.get("PIXIE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: pieces a value is made of: near-valid values and the characters that break parsers
PIECES = st.sampled_from(
    [
        "P-1",
        "ROAD",
        "T-1",
        "L-1",
        "cost",
        "income",
        "2026-03-03",
        "2026-03-02T08:30:00+01:00",
        "0001-01-01T00:00:00+01:00",
        "20260101",
        "2026-W01-1",
        "10.00",
        "-5",
        "1e999999999",
        "١٢",
        "²",
        "9" * 30,
        '"',
        '""',
        ",",
        "\n",
        "\r\n",
        "\x00",
        "\ud800",
        " ",
        "",
        "x" * 250,
        "true",
        "delete",
        "project",
        "EUR",
        "ZZZ",
        "approved",
    ]
)
VALUE = st.lists(PIECES, max_size=3).map("".join) | st.text(max_size=12)
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | VALUE
)
JSON_VALUE = st.recursive(
    JSON_LEAF, lambda kids: st.lists(kids, max_size=3) | st.dictionaries(VALUE, kids, max_size=3)
)


#: a well-formed value of each column, so that rows get past the first check
VALID = {
    "id": "P-9",
    "name": "Nine",
    "kind": "project",
    "parent": "",
    "currency": "EUR",
    "code": "ROAD",
    "active": "true",
    "line_id": "L-1",
    "task_id": "T-1",
    "object": "P-1",
    "activity": "ROAD",
    "task_created": "2026-03-02",
    "date": "2026-03-03",
    "amount": "10.00",
    "reference": "R",
    "po_id": "PO-1",
    "vendor": "V",
    "ordered_on": "2026-03-01",
    "invoiced_amount": "0",
    "status": "approved",
}


def mostly(valid: object, other: st.SearchStrategy) -> st.SearchStrategy:
    """``valid`` three times in four, else ``other``."""
    return st.sampled_from([0, 1, 2, 3]).flatmap(lambda n: other if n == 0 else st.just(valid))


def _csv(header: list[str], rows: list[list[str]], sep: str) -> str:
    return sep.join(",".join(r) for r in [header, *rows]) + sep


def _table(fmt: str) -> st.SearchStrategy:
    cols = list(FORMATS[fmt])
    row = st.tuples(*(mostly(VALID[c], VALUE) for c in cols)).map(list)
    return st.builds(
        _csv, st.just(cols), st.lists(row, max_size=4), st.sampled_from(["\n", "\r\n", "\n\n"])
    )


CSV = st.one_of(*(_table(f) for f in FORMATS)) | st.builds(
    _csv, st.lists(VALUE, max_size=4), st.lists(st.lists(VALUE, max_size=4), max_size=3),
    st.just("\n"),
)  # fmt: skip


def _item(fmt: str):
    return st.fixed_dictionaries({c: mostly(VALID[c], JSON_LEAF) for c in FORMATS[fmt]})


JSON_BATCH = st.dictionaries(
    st.sampled_from([*FORMATS, "lines", "pos", "other"]),
    st.lists(st.one_of(*(_item(f) for f in FORMATS)), max_size=4) | JSON_VALUE,
    max_size=3,
)

LINE = st.fixed_dictionaries(
    {
        "activity": mostly("ROAD", JSON_LEAF),
        "cost": mostly("10.00", JSON_LEAF),
        "income": mostly("0", JSON_LEAF),
        "phasing": mostly("days", JSON_LEAF),
        "note": mostly("", JSON_LEAF),
    }
)
BUDGET = st.fixed_dictionaries(
    {
        "object": mostly("P-1", JSON_LEAF),
        "start": mostly("2026-01-01", JSON_LEAF),
        "end": mostly("2026-12-31", JSON_LEAF),
        "lines": mostly([], JSON_VALUE).flatmap(
            lambda v: st.lists(LINE, min_size=1, max_size=3) if v == [] else st.just(v)
        ),
    },
    optional={"version": JSON_LEAF, "id": JSON_LEAF},
)
#: bodies no JSON encoder writes: deep nesting, numbers of thousands of digits
HOSTILE = st.sampled_from(
    [
        "[" * 1200 + "]" * 1200,
        '{"budgets": ' + "[" * 1200 + "]" * 1200 + "}",
        '{"object": "P-1", "version": 1' + "0" * 5000 + "}",
        '{"lines": [{"activity": "ROAD", "cost": 1' + "0" * 5000 + "}]}",
        '{"actuals": [{"amount": 1e999999999}]}',
        '{"note": "\\ud800"}',
        "NaN",
    ]
)


def _check(resp) -> None:
    assert resp.status_code < 500, resp.get_data(as_text=True)[:2000]
    if resp.status_code >= 400:
        assert resp.mimetype == "application/problem+json"
        assert resp.get_json()["code"]


def _body(value: object) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


def test_ingest_never_answers_5xx(client, headers):
    h = headers("admin")
    seed(client, h)

    @FUZZ
    @given(csv=CSV, batch=JSON_BATCH, raw=HOSTILE)
    def run(csv, batch, raw):
        data = csv.encode("utf-8", "surrogatepass")
        _check(client.post("/api/v1/ingest", data=data, content_type="text/csv", headers=h))
        for body in (_body(batch), raw.encode()):
            resp = client.post(
                "/api/v1/ingest", data=body, content_type="application/json", headers=h
            )
            _check(resp)

    run()


def test_budget_endpoints_never_answer_5xx(client, headers):
    h = headers("admin")
    seed(client, h)
    made = client.post(
        "/api/v1/budgets",
        json={
            "object": "P-1",
            "start": "2025-01-01",
            "end": "2025-12-31",
            "lines": [{"activity": "ROAD", "cost": "1.00"}],
        },
        headers=h,
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    bid = made.get_json()["id"]

    @FUZZ
    @given(body=BUDGET, batch=st.lists(BUDGET, max_size=3), version=VALUE, raw=HOSTILE)
    def run(body, batch, version, raw):
        for method, path, value in (
            ("POST", "/api/v1/budgets", _body(body)),
            ("POST", "/api/v1/budgets/batch", _body({"budgets": batch})),
            ("PUT", f"/api/v1/budgets/{bid}", _body(body)),
            ("POST", "/api/v1/budgets", raw.encode()),
            ("PUT", f"/api/v1/budgets/{bid}", raw.encode()),
        ):
            resp = client.open(
                path, method=method, data=value, content_type="application/json", headers=h
            )
            _check(resp)
        _check(client.delete(f"/api/v1/budgets/B-NONE?version={version}", headers=h))
        _check(client.get("/api/v1/budgets", query_string={"date": version}, headers=h))

    run()
