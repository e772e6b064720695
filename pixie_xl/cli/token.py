"""``pixie-xl token create``: issue a bearer token for a role, straight into the database."""

from __future__ import annotations

import click

ROLES = ("viewer", "accountant", "integration", "admin")


@click.group()
def token() -> None:
    """Manage the sync service's bearer tokens."""


@token.command()
@click.option("--role", required=True, type=click.Choice(ROLES), help="The token's role.")
@click.option("--name", default=None, help="Who or what uses it (default: the role).")
@click.option(
    "--db",
    "db_url",
    default=None,
    metavar="URL",
    help="Database URL, resolved as serve resolves it (default: PIXIE_DATABASE_URL, else "
    "the SQLite file in the user's data folder).",
)
def create(role: str, name: str | None, db_url: str | None) -> None:
    """Create a token; it is printed last and never shown again."""
    from pixie_server import auth, db

    from pixie_xl.cli.serve import database_shown, open_app

    app = open_app(db_url, first_token=False)
    try:
        with app.app_context(), db.transaction(app) as s:
            value = auth.add_token(s, role, name or role, app)
    finally:
        db.engine(app).dispose()
    shown = database_shown(app.config["PIXIE_DATABASE_URL"])
    article = "an" if role[0] in "aeiou" else "a"
    click.echo(f"created {article} {role} token named {name or role} in {shown}", err=True)
    click.echo(value)
