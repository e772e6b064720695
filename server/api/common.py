"""Small helpers the views share: reading a JSON body and its fields."""

from __future__ import annotations

from flask import request

from pixie_xl.core.errors import InvalidInput


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="bad_json")
    return body


def text_field(body: dict, name: str, *, required: bool = True, default: str = "") -> str:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(
                f'"{name}" is required', code="missing_field", detail={"field": name}
            )
        return default
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidInput(f'"{name}" must be text', code="bad_field", detail={"field": name})
    return value
