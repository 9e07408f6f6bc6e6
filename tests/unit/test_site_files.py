"""The list files of the site, without a store: columns come from the shapes, persons leave masked,
CSV opens in Excel (BOM), and a cell Excel would run as a formula is defused."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from supervision.public.shapes import ListEntryPublic
from supervision.web.columns import columns, flatten
from supervision.web.downloads import to_csv, to_xlsx

ROW = {
    "uscc": "91350100M000100Y43", "facility_name": "=HYPERLINK(\"http://x\")", "region_code": "140502",
    "list_kind": "joint_punishment", "criterion": "abuse", "criterion_title": "侵害老年人合法权益",
    "legal_basis": "民发〔2019〕103号", "authority": "MZJ-140500", "penalty_decision_no": "晋民罚〔2026〕1号",
    "effective_on": date(2026, 6, 23), "expires_on": date(2029, 6, 23),
    "measures": [{"code": "no_grading", "title": "不予等级评定"},
                 {"code": "key_supervision", "title": "重点监管"}],
    "responsible_persons": {"legal_representative": "王建国", "person_in_charge": "李芳"},
    "reason": "内部理由，不公开",
}


def test_columns_are_the_shape_s_fields_with_nested_persons_flattened_and_every_one_says_why():
    cols = columns(ListEntryPublic)
    keys = [c.key for c in cols]
    assert keys[:3] == ["uscc", "facility_name", "region_code"]
    assert keys[-2:] == ["responsible_persons.legal_representative", "responsible_persons.person_in_charge"]
    assert "reason" not in keys and all(c.why and c.label for c in cols)


def test_csv_has_a_bom_masked_persons_joined_measures_and_no_formula():
    cols = columns(ListEntryPublic)
    shaped = ListEntryPublic.render(ROW)
    data = to_csv(cols, [shaped])
    assert data.startswith(b"\xef\xbb\xbf")
    header, line = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header[0] == "统一社会信用代码" and len(line) == len(cols)
    assert line[1].startswith("'=")  # not a formula when Excel opens it
    assert "不予等级评定；重点监管" in line and line[-2:] == ["王**", "李*"]
    assert b"\xe7\x8e\x8b\xe5\xbb\xba\xe5\x9b\xbd" not in data and "内部理由".encode() not in data  # 王建国
    assert line[3:] == flatten(shaped, cols)[3:]


def test_xlsx_holds_the_same_cells_and_a_dictionary_sheet():
    cols = columns(ListEntryPublic)
    shaped = ListEntryPublic.render(ROW)
    book = load_workbook(io.BytesIO(to_xlsx(cols, [shaped], title="t")))
    rows = list(book["名单"].iter_rows(values_only=True))
    assert list(rows[0]) == [c.label for c in cols]
    assert list(rows[1]) == list(csv.reader(io.StringIO(to_csv(cols, [shaped]).decode("utf-8-sig"))))[1]
    assert [r[1] for r in book["数据字典"].iter_rows(min_row=2, max_row=len(cols) + 1, values_only=True)] == \
        [c.key for c in cols]
