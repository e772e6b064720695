"""``pixie-xl token create`` and ``pixie-xl serve`` (the service's commands)."""

from __future__ import annotations

from click.testing import CliRunner
from pixie_server import create_app, db

from pixie_xl.cli.serve import serve
from pixie_xl.cli.token import token


def test_token_create_prints_a_token_that_the_service_accepts(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXIE_TOKEN_FILE", str(tmp_path / "token"))
    url = f"sqlite:///{tmp_path / 'p.db'}"
    result = CliRunner().invoke(token, ["create", "--role", "viewer", "--name", "ann", "--db", url])
    assert result.exit_code == 0, result.output
    value = result.stdout.strip().splitlines()[-1]
    assert value.startswith("pxl_")
    # create_app itself: a second start on the database the command made, as `serve` starts
    app = create_app({"PIXIE_DATABASE_URL": url})
    resp = app.test_client().get("/api/v1/objects", headers={"Authorization": f"Bearer {value}"})
    assert resp.status_code == 200
    db.engine(app).dispose()


def test_token_create_refuses_an_unknown_role():
    result = CliRunner().invoke(token, ["create", "--role", "boss"])
    assert result.exit_code == 2


def test_serve_has_help_and_defaults():
    result = CliRunner().invoke(serve, ["--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "8750" in result.output
