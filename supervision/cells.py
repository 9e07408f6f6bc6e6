"""Cells of files people open in a spreadsheet (public CSV/XLSX downloads, the CLI's `--format csv`)."""

from __future__ import annotations

#: first characters that make Excel, WPS or LibreOffice read a cell as a formula (CSV injection)
FORMULA_STARTS = "=+-@\t\r"


def spreadsheet_safe(value: str) -> str:
    """`value`, prefixed with ' when a spreadsheet would read it as a formula (OWASP: CSV injection)."""
    if value and value[0] in FORMULA_STARTS:
        return "'" + value
    return value
