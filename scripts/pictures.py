"""The README's pictures: the demo's Variance and Months sheets as LibreOffice renders them.

Runs the demo (a real service, the demo dataset, a refreshed workbook), has LibreOffice
recalculate the workbook, keeps one sheet per copy, prints each copy to PDF with LibreOffice
headless (its page set-up: landscape, header and footer) and turns the first page into PNG
with ``pdftoppm`` (poppler-utils: LibreOffice 7.4's own Calc PNG export fails headless).
Writes ``docs/pictures/variance.png`` and ``months.png``.

    .venv/bin/python scripts/pictures.py        (or: make pictures)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "pictures"
#: sheet → picture file
PICTURES = {"Variance": "variance.png", "Months": "months.png"}
PDFTOPPM = shutil.which("pdftoppm")
#: resolution of the pictures (an A4 landscape page at 110 dpi is about 1290 px wide)
DPI = 110
RECALC_ON_LOAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    '<item oor:path="/org.openoffice.Office.Calc/Formula/Load">'
    '<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>'
    "</oor:items>\n"
)


def soffice(profile: Path, to: str, files: list[Path], outdir: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("LibreOffice (soffice) is not installed")
    cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", to, "--outdir", str(outdir), *map(str, files)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)


def one_sheet(src: Path, sheet: str, dst: Path) -> Path:
    """A copy of the recalculated workbook with only ``sheet`` (its values as computed)."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    for name in list(wb.sheetnames):
        if name not in (sheet, "Lists"):
            del wb[name]
    wb.active = wb.sheetnames.index(sheet)
    wb[sheet].sheet_state = "visible"
    wb.save(dst)
    return dst


def main() -> None:
    from pixie_xl.demo.run import run

    if PDFTOPPM is None:
        sys.exit("pdftoppm is not installed (Debian/Ubuntu: apt-get install poppler-utils)")

    with tempfile.TemporaryDirectory(prefix="pixie-pictures-") as tmp:
        tmp = Path(tmp)
        summary = run(tmp / "demo", say=lambda _text: None)
        profile = tmp / "profile"
        (profile / "user").mkdir(parents=True)
        (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ON_LOAD)
        soffice(profile, "xlsx", [summary["workbook"]], tmp / "calc")
        recalculated = tmp / "calc" / f"{summary['workbook'].stem}.xlsx"
        copies = [one_sheet(recalculated, s, tmp / f"{Path(p).stem}.xlsx")
                  for s, p in PICTURES.items()]  # fmt: skip
        # a fresh profile that does not recalculate: the copies keep the values computed
        soffice(tmp / "plain", "pdf", copies, tmp / "pdf")
        OUT.mkdir(parents=True, exist_ok=True)
        for png in PICTURES.values():
            stem = Path(png).stem
            cmd = [PDFTOPPM, "-png", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile",
                   str(tmp / "pdf" / f"{stem}.pdf"), str(OUT / stem)]  # fmt: skip
            subprocess.run(cmd, check=True, capture_output=True, timeout=120)
            print(OUT / png)


if __name__ == "__main__":
    main()
