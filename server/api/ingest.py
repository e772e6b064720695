"""ingest (being written)."""

from flask import Blueprint

bp = Blueprint("ingest", __name__)
