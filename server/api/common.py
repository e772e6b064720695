"""Small helpers the views share: reading a JSON body and its fields."""

from __future__ import annotations

from flask import request

from pixie_xl.core.errors import InvalidInput

from ..edge import MAX_ID, text_problem


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="bad_json")
    return body


def text_field(
    body: dict, name: str, *, required: bool = True, default: str = "", limit: int = MAX_ID
) -> str:
    """A text field of at most ``limit`` characters (no NUL, no lone surrogate)."""
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(
                f'"{name}" is required', code="missing_field", detail={"field": name}
            )
        return default
    why = text_problem(value, limit)
    if why is not None:
        raise InvalidInput(f'"{name}" {why}', code="bad_field", detail={"field": name})
    return value
