"""``POST /api/v1/ingest``: a batch of objects, activities, actual lines or orders.

The body is CSV (``text/csv``), an ``.xlsx`` workbook, a multipart upload (field ``file``)
of either, or a JSON batch. All or nothing: any error refuses the batch with every
finding (422 ``validation_failed``); a bad file is 422 ``bad_file``/``unknown_format``.

The body is read and an actual-lines table checked before the write lock is taken; a long
one is staged in short transactions (:mod:`pixie_server.staging`), so other writers are
not kept waiting behind it, and merged in the one write transaction that also writes the
webhook events, the audit entry and the idempotency record.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, request

from pixie_xl.core.errors import BadFile
from pixie_xl.core.gcpause import no_gc
from pixie_xl.sheets.uploads import XLSX_TYPE as XLSX
from pixie_xl.sheets.uploads import read_upload

from .. import actuals_check, actuals_columns, actuals_write, audit, db, ingest, staging, webhooks
from ..auth import require
from ..idempotency import idempotent

bp = Blueprint("ingest", __name__, url_prefix="/api/v1/ingest")


@bp.post("")
@require("integration")
@idempotent(lock_first=False)
def post_ingest():
    # a batch is a million small acyclic objects: the collector's passes would free nothing
    with no_gc():
        return _ingest(db.session())


def _ingest(s):
    ctype = (request.mimetype or "").lower()
    if ctype == "application/json":
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise BadFile("the JSON body must be an object of lists", code="bad_json")
        source = "request"
        db.lock_writes(s)
        since = db.committed_seq(s)  # inside the write transaction: the seq before the batch
        results = ingest.ingest_json(s, body)
    elif ctype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadFile('the upload needs a "file" field', code="missing_file")
        source = upload.filename or "file"
        body = upload.read()
        since, results = _write_body(s, body, source, (upload.mimetype or "").lower())
    elif ctype in ("text/csv", "text/plain", XLSX, "application/octet-stream"):
        source = request.args.get("name") or "upload"
        since, results = _write_body(s, request.get_data(cache=False), source, ctype)
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


def _write_body(s, body: bytes, source: str, ctype: str) -> tuple[int, list[dict]]:
    """Read, check, stage when long, then write an uploaded table in the write transaction;
    returns the committed seq before the batch and the batch's result. A long plain CSV
    batch of actual lines is read a column at a time (:mod:`pixie_server.actuals_columns`),
    anything else row by row."""
    batch = None
    if not (ctype.startswith(XLSX) or source.lower().endswith((".xlsx", ".xlsm"))):
        batch = actuals_columns.check_csv(s, body, source)
    if batch is None:
        header, rows = read_upload(body, source, ctype)
        if ingest.detect(header) != "actuals":
            db.lock_writes(s)
            return db.committed_seq(s), [ingest.ingest_table(s, header, rows, source)]
        # findings refuse the batch here, before anything is staged
        batch = actuals_check.check_actuals(s, header, rows, source)
    if batch.count > staging.STAGE_ABOVE:
        batch.staged = g.pixie_staged = staging.new_batch_id()
        staging.stage(current_app, batch.staged, batch)
    db.lock_writes(s)
    return db.committed_seq(s), [actuals_write.write_actuals(s, batch)]


@bp.teardown_request
def _discard_staged(_exc=None) -> None:
    """A staged batch that did not merge (refused, failed, rolled back) leaves nothing."""
    batch = g.pop("pixie_staged", None)
    if batch is not None:
        staging.discard(current_app._get_current_object(), batch)
