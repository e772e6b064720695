"""Uploads to a running service's ``POST /api/v1/ingest`` go through the one guarded reader
(issue 10 item 4): a zip bomb, a workbook declaring a DTD and a CSV with a stray quote are
refused with a problem naming the part or line, and nothing of the batch is written."""

from __future__ import annotations

import io
import zipfile

import pytest
import requests
from openpyxl import Workbook

from pixie_xl import client as wire
from tests.server.conftest import free_port, spawn_server, stop_server
from tests.server.data import ACTIVITIES, LINES_HEADER, OBJECTS

LINE = ["L-1", "T-1", "P-1", "ROAD", "2026-03-02", "cost", "2026-03-03", "12.50", "x"]
DTD = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>\n'


def _lines_book() -> dict[str, bytes]:
    """The parts of a well-formed workbook holding one actual line (a header and a row)."""
    book = Workbook()
    book.active.append(LINES_HEADER.split(","))
    book.active.append(LINE)
    buf = io.BytesIO()
    book.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _package(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _upload(url: str, h: dict, data: bytes, name: str) -> requests.Response:
    files = {"file": (name, data, "application/octet-stream")}
    return requests.post(f"{url}/api/v1/ingest", files=files, headers=h, timeout=60)


def _synced_lines(url: str, h: dict) -> list:
    return requests.get(f"{url}/api/v1/sync", headers=h, timeout=30).json()["lines"]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """``(url, admin headers)`` of ``pixie_server.serve`` on a SQLite file, seeded with
    objects and activities; the tests before the last write nothing."""
    folder = tmp_path_factory.mktemp("uploads")
    port = free_port()
    proc, _ = spawn_server(f"sqlite:///{folder / 'pixie.db'}", folder / "token", port)
    url = f"http://127.0.0.1:{port}"
    token, _ = wire.read_token_file(folder / "token")
    h = {"Authorization": f"Bearer {token}"}
    for table in (OBJECTS, ACTIVITIES):
        resp = requests.post(
            f"{url}/api/v1/ingest", data=table, headers=h | {"Content-Type": "text/csv"}
        )
        assert resp.status_code == 200, resp.text
    yield url, h
    stop_server(proc)


def test_a_zip_bomb_upload_is_refused_naming_its_part_and_saves_nothing(service):
    url, h = service
    parts = _lines_book()
    parts["xl/worksheets/sheet1.xml"] = b"<" + b" " * (40 * 1024 * 1024) + b"/>"
    data = _package(parts)
    assert len(data) < 1024 * 1024  # small on the wire, 40 MiB unpacked
    resp = _upload(url, h, data, "march.xlsx")
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert problem["code"] == "bad_file"
    assert "march.xlsx: refused: the part xl/worksheets/sheet1.xml" in problem["detail"]
    assert "zip bomb" in problem["detail"]
    assert _synced_lines(url, h) == []


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_a_workbook_declaring_a_dtd_is_refused_naming_its_part_and_saves_nothing(service, part):
    url, h = service
    parts = _lines_book()
    body = parts.get(part, b"<sst/>")
    parts[part] = DTD + body.split(b"?>", 1)[-1].lstrip()
    resp = _upload(url, h, _package(parts), "march.xlsx")
    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "bad_file"
    assert f"march.xlsx: refused: {part} declares a DTD or entities" in resp.json()["detail"]
    assert _synced_lines(url, h) == []


def test_a_csv_upload_with_a_stray_quote_is_refused_naming_its_line(service):
    url, h = service
    good = ",".join(LINE)
    stray = 'L-2,T-1,P-1,ROAD,2026-03-02,cost,2026-03-03,20.00,"B'
    body = "\n".join([LINES_HEADER, good, stray, good.replace("L-1", "L-3")]) + "\n"
    resp = _upload(url, h, body.encode(), "march.csv")
    assert resp.status_code == 422, resp.text
    problem = resp.json()
    assert (problem["code"], problem["line"]) == ("bad_csv", 3)
    assert problem["detail"].startswith("line 3: not a clean CSV file")
    assert _synced_lines(url, h) == []


def test_a_broken_workbook_is_refused_and_a_good_one_is_read_by_the_same_reader(service):
    url, h = service
    data = _package(_lines_book())
    resp = _upload(url, h, data[: len(data) // 2], "march.xlsx")
    assert (resp.status_code, resp.json()["code"]) == (422, "bad_workbook"), resp.text
    assert "march.xlsx: not a readable Excel workbook" in resp.json()["detail"]
    assert _synced_lines(url, h) == []
    resp = _upload(url, h, data, "march.xlsx")
    assert resp.status_code == 200, resp.text
    (line,) = _synced_lines(url, h)
    assert (line["line_id"], line["amount"], line["reference"]) == ("L-1", "12.50", "x")


@pytest.mark.parametrize("ref", ['r="XFD1048576"', "r = 'XFD1048576'"])
def test_a_few_kilobytes_with_a_cell_at_the_sheets_far_corner_are_refused_and_the_service_lives(
    service, ref
):
    """calamine makes every cell from A1 to the last one at once: one cell at XFD1048576 (in
    either quotes, spaces around ``=``, as calamine reads it) asked for 512 GB and aborted
    the service's process. It is refused naming the far cell; the service still answers."""
    url, h = service
    parts = _lines_book()
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'r="A2"', ref.encode(), 1)
    data = _package(parts)
    assert len(data) < 10_000
    resp = _upload(url, h, data, "march.xlsx")
    assert resp.status_code == 422, resp.text
    detail = resp.json()["detail"]
    assert "march.xlsx: refused: the sheet" in detail and "to XFD1048576" in detail
    assert requests.get(f"{url}/healthz", timeout=10).ok
