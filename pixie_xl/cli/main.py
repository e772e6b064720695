"""``pixie-xl``: every workbook action, headless, on .xlsx/.xlsm files (SPEC §5)."""

from __future__ import annotations

import click

from pixie_xl.cli import actions, allocate, demo, excel, history, ingest, settings, workbook
from pixie_xl.cli.common import PixieGroup


@click.group(cls=PixieGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pixie-xl")
def cli() -> None:
    """Pixie XL: budgets for CRM objects in Excel, kept honest against CRM actuals.

    Exit status: 0 success, 1 validation errors, 2 usage error, 3 server unreachable or
    token refused.
    """


cli.add_command(demo.demo)
cli.add_command(ingest.ingest)
cli.add_command(workbook.workbook)
cli.add_command(actions.import_)
cli.add_command(actions.validate)
cli.add_command(actions.save)
cli.add_command(actions.refresh)
cli.add_command(history.history)
cli.add_command(excel.excel)
cli.add_command(settings.settings)
cli.add_command(allocate.allocate)
cli.add_command(allocate.transfer)


def _add_service_commands() -> None:
    """``serve`` and ``token`` belong to the service's package; added where installed."""
    try:
        from pixie_xl.cli.serve import serve
    except ImportError:  # pragma: no cover - the service part is missing
        serve = None
    try:
        from pixie_xl.cli.token import token
    except ImportError:  # pragma: no cover
        token = None
    for command in (serve, token):
        if command is not None:
            cli.add_command(command)


_add_service_commands()


def main() -> None:
    cli(prog_name="pixie-xl")


if __name__ == "__main__":  # pragma: no cover
    main()
