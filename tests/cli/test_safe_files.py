"""Safe files (issue 8 item 6, 7): no command writes a workbook that Excel or LibreOffice
holds open or that is read-only; ``workbook new`` keeps an existing file; a workbook
without a Budgets sheet is a usage error."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from pixie_xl.cli.main import cli
from pixie_xl.core.errors import BadFile
from pixie_xl.demo import dataset


def invoke(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def commands(book, tmp_path):
    budgets = tmp_path / "budgets.csv"
    budgets.write_text(",".join(dataset.BUDGET_HEADER) + "\n")
    return {
        "validate": ["validate", book],
        "save": ["save", book],
        "refresh": ["refresh", book],
        "import": ["import", budgets, "--into", book],
    }


@pytest.mark.parametrize("command", ["validate", "save", "refresh", "import"])
@pytest.mark.parametrize(
    ("lock", "program"),
    [("~$Budget.xlsm", "Excel"), (".~lock.Budget.xlsm#", "LibreOffice"), (None, None)],
    ids=["excel", "libreoffice", "read-only"],
)
def test_a_workbook_held_open_or_read_only_is_not_written(
    workbook, tmp_path, command, lock, program
):
    before = workbook.read_bytes()
    if lock:
        (workbook.parent / lock).write_text("someone")
    else:
        os.chmod(workbook, 0o444)
    result = invoke(*commands(workbook, tmp_path)[command])
    assert result.exit_code == 2, result.output
    if lock:
        assert f"Budget.xlsm is open in {program} ({lock} beside it)" in result.output
    else:
        assert "Budget.xlsm is read-only" in result.output
    assert "nothing was written" in result.output
    assert workbook.read_bytes() == before
    assert sorted(p.name for p in workbook.parent.glob(".Budget-*")) == []


def test_filebook_save_refuses_a_locked_file_too(workbook):
    from pixie_xl.sheets.filebook import FileBook

    book = FileBook.open(workbook)
    (workbook.parent / ".~lock.Budget.xlsm#").write_text("x")
    with pytest.raises(BadFile, match="open in LibreOffice"):
        book.save()


def test_workbook_new_keeps_an_existing_file_unless_forced(env, tmp_path):
    path = tmp_path / "Mine.xlsm"
    path.write_bytes(b"full of unsaved rows")
    result = invoke("workbook", "new", path)
    assert result.exit_code == 2
    assert "exists and may hold unsaved budgets" in result.output and "--force" in result.output
    assert path.read_bytes() == b"full of unsaved rows"
    (tmp_path / "~$Mine.xlsm").write_text("x")
    assert invoke("workbook", "new", path, "--force").exit_code == 2
    (tmp_path / "~$Mine.xlsm").unlink()
    assert invoke("workbook", "new", path, "--force").exit_code == 0
    assert path.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("command", ["validate", "save", "refresh", "import"])
def test_a_workbook_without_a_budgets_sheet_is_a_usage_error(workbook, tmp_path, command):
    import openpyxl

    wb = openpyxl.load_workbook(workbook, keep_vba=True)
    del wb["Budgets"]
    wb.save(workbook)
    result = invoke(*commands(workbook, tmp_path)[command])
    assert result.exit_code == 2, result.output
    assert "has no Budgets sheet, so it is not a Pixie workbook" in result.output
