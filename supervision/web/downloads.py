"""List files: CSV (UTF-8 with BOM, so Excel opens Chinese text right) and XLSX (openpyxl).

Both hold exactly the rows the public endpoint answers for the same date (`sources.list_rows`),
flattened column by column (`columns.flatten`); the header row gives the Chinese label, the XLSX's
second sheet the field key and why it is public.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from supervision.cells import spreadsheet_safe as _safe
from supervision.web.columns import Column, flatten

BOM = "\ufeff"


def to_csv(cols: list[Column], rows: list[dict[str, Any]]) -> bytes:
    """Header of Chinese labels, then one line per shaped row; CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in cols])
    for row in rows:
        writer.writerow([_safe(v) for v in flatten(row, cols)])
    return (BOM + out.getvalue()).encode("utf-8")


def to_xlsx(cols: list[Column], rows: list[dict[str, Any]], *, title: str) -> bytes:
    """Sheet 名单: header + rows (all cells text, so a USCC keeps its letters and zeros); sheet
    数据字典: key, label, type and why each column is public."""
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append([c.label for c in cols])
    for row in rows:
        sheet.append([_safe(v) for v in flatten(row, cols)])
    sheet.freeze_panes = "A2"
    info = book.create_sheet("数据字典")
    info.append(["列名", "字段", "类型", "为何公开"])
    for c in cols:
        info.append([c.label, c.key, c.type, c.why])
    info.append([])
    info.append([title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

