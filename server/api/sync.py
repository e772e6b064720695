"""``GET /api/v1/sync?cursor=C&limit=N``: changed actual lines and orders since a cursor.

The cursor is a sync sequence number. A page holds the changes with ``cursor < seq <= H``
where H is the last sequence number whose transaction had committed when the page was
read (writers are serialised and take their numbers in commit order, see
:mod:`pixie_server.db`), so no change can appear later with a number below a cursor
already handed out. A client that applies every page until ``more`` is false holds the
server's state as of the last page.

The page is JSON, or an Arrow IPC stream when the client prefers
``application/vnd.apache.arrow.stream`` (:mod:`.sync_arrow`: the same rows, cursor and
``more``, pages of up to a million rows, so a full pull is one body).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, Response, current_app, request
from sqlalchemy import text

from pixie_xl.core.errors import InvalidInput
from pixie_xl.core.money import exponent
from pixie_xl.wire.sync import (
    LINE,
    ORDER,
    SyncLine,
    SyncOrder,
    SyncPage,
    Tombstone,
    page_json,
)

from .. import db
from ..auth import require
from ..edge import INT8_MAX, whole_number
from ..records import load_settings
from ..report_delta import memo
from . import sync_arrow

bp = Blueprint("sync", __name__, url_prefix="/api/v1/sync")

DEFAULT_LIMIT = 5000
MAX_LIMIT = 50000
#: JSON pages of at most this many rows are kept in the report memo until the next write:
#: twenty clients syncing from one cursor get one page encoded once
MEMO_LIMIT = DEFAULT_LIMIT

LINES = (
    "SELECT l.seq, l.id, l.deleted, l.task_id, t.object_id, t.activity_code, t.created_at,"
    " l.kind, l.date, l.amount_minor, l.reference FROM actual_lines l"
    " LEFT JOIN tasks t ON t.id = l.task_id"
    " WHERE l.seq > :c AND l.seq <= :h {live} ORDER BY l.seq LIMIT :n"
)
ORDERS = (
    "SELECT seq, id, deleted, object_id, activity_code, vendor, ordered_on, amount_minor,"
    " invoiced_minor, status FROM purchase_orders"
    " WHERE seq > :c AND seq <= :h {live} ORDER BY seq LIMIT :n"
)


class _Iso(dict):
    """A date or instant (or SQLite's text of one) → ISO text in UTC, once per value."""

    def __missing__(self, key) -> str | None:
        out = v = key
        if isinstance(v, str) and len(v) > 10:  # SQLite hands back text to a raw query
            v = datetime.fromisoformat(v)
        if isinstance(v, datetime):
            out = (v if v.tzinfo else v.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        elif isinstance(v, date):
            out = v.isoformat()
        self[key] = out
        return out


def _arg_int(name: str, default: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        return whole_number(raw, name, 1 if name == "limit" else 0, high)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code=f"bad_{name}", detail={"parameter": name}) from None


@bp.get("")
@require("viewer")
def sync():
    arrow = _wants_arrow()
    cursor = _arg_int("cursor", 0, INT8_MAX)
    if arrow:
        limit = _arg_int("limit", sync_arrow.DEFAULT_LIMIT, sync_arrow.MAX_LIMIT)
    else:
        limit = _arg_int("limit", DEFAULT_LIMIT, MAX_LIMIT)
    s = db.session()
    if arrow:
        return Response(_arrow_body(s, cursor, limit), mimetype=sync_arrow.MEDIA_TYPE)
    if limit > MEMO_LIMIT:
        return Response(_json_body(s, cursor, limit), mimetype="application/json")
    # the stamp first, then the page (see db.data_version): one page encoded per stamp
    version = db.data_version(s)
    key = ("sync", cursor, limit, version)
    body = memo().get(key, lambda: _json_body(s, cursor, limit), version)
    return Response(body, mimetype="application/json")


def _bounds(s, cursor: int, limit: int) -> tuple[str, int, str, dict]:
    """The currency, the high-water mark, the live filter and the query arguments."""
    high = db.committed_seq(s)
    live = "AND NOT deleted" if cursor == 0 else ""
    return load_settings(s).currency, high, live, {"c": cursor, "h": high, "n": limit}


def _json_body(s, cursor: int, limit: int) -> bytes:
    """The JSON page of the changes after ``cursor`` (at most ``limit``), encoded."""
    currency, high, live, args = _bounds(s, cursor, limit)
    line_rows = s.execute(text(LINES.format(live=live.replace("deleted", "l.deleted"))), args)
    line_rows = line_rows.all()
    order_rows = s.execute(text(ORDERS.format(live=live)), args).all()
    page = _json_page(line_rows, order_rows, cursor, high, limit, exponent(currency))
    return current_app.json.response(page).get_data()


def _arrow_body(s, cursor: int, limit: int) -> bytes:
    currency, high, live, args = _bounds(s, cursor, limit)
    bare = {"live": live}
    with sync_arrow.no_gc():
        return sync_arrow.page(
            s.execute(text(sync_arrow.LINES.format(**bare)), args).all(),
            s.execute(text(ORDERS.format(**bare)), args).all(),
            s.execute(text(sync_arrow.TASKS.format(**bare)), args).all(),
            cursor=cursor, high=high, limit=limit, currency=currency, scale=exponent(currency),
        )  # fmt: skip


def _wants_arrow() -> bool:
    """Whether the client prefers Arrow to JSON (JSON on a tie and without ``Accept``)."""
    best = request.accept_mimetypes.best_match(["application/json", sync_arrow.MEDIA_TYPE])
    return best == sync_arrow.MEDIA_TYPE


def _json_page(line_rows, order_rows, cursor: int, high: int, limit: int, places: int) -> dict:
    """The page of the first ``limit`` changes of both kinds, in sequence order."""
    rows = [(r, True) for r in line_rows] + [(r, False) for r in order_rows]
    rows.sort(key=lambda r_line: r_line[0][0])
    page = rows[:limit]
    more = len(page) == limit and page[-1][0][0] < high
    next_cursor = page[-1][0][0] if more else high
    lines, orders, deleted = [], [], []
    iso = _Iso()
    for r, is_line in page:
        if r[2]:
            deleted.append(Tombstone(LINE if is_line else ORDER, r[1], r[0]))
        elif is_line:  # the columns of LINES
            lines.append(
                SyncLine(r[1], r[3], r[4], r[5], r[7], iso[r[8]], iso[r[6]], r[9], r[10], r[0])
            )
        else:  # the columns of ORDERS
            orders.append(SyncOrder(r[1], r[3], r[4], r[5], iso[r[6]], r[7], r[8], r[9], r[0]))
    out = SyncPage(str(cursor), str(next_cursor), more, lines, orders, deleted)
    return page_json(out, places)
