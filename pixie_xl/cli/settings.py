"""``pixie-xl settings show`` and ``pixie-xl settings set NAME=VALUE...``: the company's
settings on the service (``GET``/``PUT /api/v1/settings``; changing them needs an admin
token)."""

from __future__ import annotations

import click

from pixie_xl.cli.common import server_option, token_option

#: what ``settings set`` may change, and what each takes
NAMES = {
    "timezone": "an IANA timezone such as Europe/Berlin",
    "currency": "an ISO 4217 code such as EUR",
    "warn_ratio": "a decimal such as 0.8 (an alert from this share of the budget)",
    "over_ratio": "a decimal such as 1.0 (over budget from this share)",
    "cost_date": "expense or task_created: the date a cost counts on",
    "income_date": "income or task_created: the date income counts on",
    "on_over": "warn or stop: stop makes ingest refuse an order that takes its line over budget",
}


def _client(server: str | None, token: str | None):
    from pixie_xl import client as wire

    return wire.Client(wire.resolve_server(server), token)


@click.group(invoke_without_command=True)
@click.pass_context
def settings(ctx) -> None:
    """Show or change the company settings: timezone, currency, ratios, dating, on_over."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(show)


@settings.command()
@server_option
@token_option
def show(server: str | None = None, token: str | None = None) -> None:
    """Print every setting of the service as NAME = VALUE."""
    _print(_client(server, token).settings())


@settings.command("set")
@click.argument("assignments", nargs=-1, required=True, metavar="NAME=VALUE...")
@server_option
@token_option
def set_(assignments: tuple[str, ...], server: str | None, token: str | None) -> None:
    """Change settings (admin token), e.g. settings set timezone=Europe/Berlin currency=EUR.

    Nothing changes unless every value is accepted. The names:

    \b
    timezone      an IANA timezone such as Europe/Berlin (when days lock)
    currency      an ISO 4217 code such as EUR
    warn_ratio    a decimal such as 0.8 (an alert from this share of the budget)
    over_ratio    a decimal such as 1.0 (over budget from this share)
    cost_date     expense or task_created: the date a cost counts on
    income_date   income or task_created: the date income counts on
    on_over       warn or stop: stop makes ingest refuse an order over budget
    """
    changes = parse_assignments(assignments)
    client = _client(server, token)
    if "on_over" in changes and "on_over" not in client.settings():
        raise click.UsageError(
            f"the service at {client.base_url} has no on_over setting (yet): nothing changed; "
            "set the other settings without it"
        )
    _print(client.put_settings(changes))


def parse_assignments(assignments: tuple[str, ...]) -> dict[str, str]:
    """``("timezone=Europe/Berlin", ...)`` as a dict; a usage error names a bad one."""
    changes: dict[str, str] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.UsageError(f'"{item}" is not NAME=VALUE: write e.g. timezone=Europe/Berlin')
        if name not in NAMES:
            raise click.UsageError(f'"{name}" is not a setting: write one of {", ".join(NAMES)}')
        if name in changes:
            raise click.UsageError(f'"{name}" is given twice: write it once')
        changes[name] = value.strip()
    return changes


def _print(values: object) -> None:
    for name, value in dict(values or {}).items():  # type: ignore[call-overload]
        click.echo(f"{name} = {value}")
