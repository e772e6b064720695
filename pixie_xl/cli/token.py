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
    help="Database URL (default: PIXIE_DATABASE_URL or the local SQLite file).",
)
def create(role: str, name: str | None, db_url: str | None) -> None:
    """Create a token; it is printed last and never shown again."""
    from pixie_server.auth import create_token

    value = create_token(db_url, role, name)
    click.echo(f"created a {role} token named {name or role}", err=True)
    click.echo(value)
