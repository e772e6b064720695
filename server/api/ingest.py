"""``POST /api/v1/ingest``: a batch of objects, activities, actual lines or orders.

The body is CSV (``text/csv``), an ``.xlsx`` workbook, a multipart upload (field ``file``)
of either, or a JSON batch. All or nothing: any error refuses the batch with every
finding (422 ``validation_failed``); a bad file is 422 ``bad_file``/``unknown_format``.
"""

from __future__ import annotations

from flask import Blueprint, g, request

from pixie_xl.core.errors import BadFile

from .. import audit, db, ingest, webhooks
from ..auth import require
from ..idempotency import idempotent

bp = Blueprint("ingest", __name__, url_prefix="/api/v1/ingest")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(data: bytes, name: str, ctype: str):
    if name.lower().endswith(".xlsx") or ctype.startswith(XLSX) or data[:4] == b"PK\x03\x04":
        return ingest.read_xlsx(data)
    return ingest.read_csv(data)


@bp.post("")
@require("integration")
@idempotent
def post_ingest():
    s = db.session()
    since = db.committed_seq(s)  # inside the write transaction: the seq before this batch
    ctype = (request.mimetype or "").lower()
    if ctype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadFile("the JSON body must be an object of lists", code="bad_json")
        results = ingest.ingest_json(s, body)
        source = "request"
    elif ctype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadFile('the upload needs a "file" field', code="missing_file")
        source = upload.filename or "file"
        header, rows = _table(upload.read(), source, (upload.mimetype or "").lower())
        results = [ingest.ingest_table(s, header, rows, source)]
    elif ctype in ("text/csv", "text/plain", XLSX, "application/octet-stream"):
        source = request.args.get("name") or "upload"
        header, rows = _table(request.get_data(cache=False), source, ctype)
        results = [ingest.ingest_table(s, header, rows, source)]
    else:
        raise BadFile(
            f"cannot ingest {ctype or 'a body without Content-Type'}; send text/csv, "
            "an .xlsx workbook, multipart/form-data or application/json",
            code="unsupported_media_type",
        )
    s.flush()
    webhooks.record_changes(s, since_seq=since)  # issue 13: status events, same transaction
    audit.record(s, g.actor, "ingest", "batch", source, None, results)
    return {"results": results}
