"""objects (being written)."""

from flask import Blueprint

bp = Blueprint("objects", __name__)
