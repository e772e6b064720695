"""One blueprint per resource. ``create_app`` registers every blueprint in BLUEPRINTS."""

from __future__ import annotations

import importlib
import importlib.util

from .activities import bp as activities_bp
from .audit import bp as audit_bp
from .health import bp as health_bp
from .ingest import bp as ingest_bp
from .objects import bp as objects_bp
from .profiles import bp as profiles_bp
from .settings import bp as settings_bp
from .sync import bp as sync_bp
from .tokens import bp as tokens_bp

BLUEPRINTS = [
    health_bp,
    objects_bp,
    activities_bp,
    settings_bp,
    profiles_bp,
    ingest_bp,
    sync_bp,
    audit_bp,
    tokens_bp,
]

# The budget and report blueprints (pixie_server.api.budgets / .reports) join here once
# their modules exist; an error inside them is not hidden.
for _name in ("budgets", "reports", "checks", "webhooks"):
    if importlib.util.find_spec(f"{__name__}.{_name}") is not None:
        BLUEPRINTS.append(importlib.import_module(f"{__name__}.{_name}").bp)
