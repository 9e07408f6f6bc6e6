"""The columns of each downloadable list, derived from its public shape (the allow-list).

A column is a shape field; a nested shape (the masked responsible persons) becomes one column per
field (`responsible_persons.legal_representative`); a list of strings or measures becomes one cell
joined with "；". Nothing else leaves: a row is read through `Shape.render(row)` before it is flattened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import fields

from supervision.public.base import WHY, PublicShape
from supervision.public.shapes import BlacklistEntryPublic, ListEntryPublic

#: Chinese column headers (the field key stays in the data dictionary and the XLSX's second sheet)
LABELS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "facility_name": "机构名称",
    "region_code": "行政区划代码",
    "listed_since": "列入日期",
    "listed_until": "列入届满日期",
    "criteria": "列入情形代码",
    "list_kind": "名单类别",
    "criterion": "列入情形代码",
    "criterion_title": "列入情形",
    "legal_basis": "法律依据",
    "authority": "列入机关",
    "penalty_decision_no": "行政处罚决定书文号",
    "effective_on": "列入日期",
    "expires_on": "列入届满日期",
    "measures": "惩戒措施",
    "responsible_persons.legal_representative": "法定代表人（已脱敏）",
    "responsible_persons.person_in_charge": "主要负责人（已脱敏）",
}

#: list name in URLs → (title, shape of one row, what the list is)
LISTS: dict[str, tuple[str, type[PublicShape], str]] = {
    "blacklist": ("失信名单", BlacklistEntryPublic,
                  "每家在列入期内的养老服务市场失信联合惩戒对象机构一行（民发〔2019〕103号）。"),
    "joint-punishment": ("失信联合惩戒对象名单", ListEntryPublic,
                         "每条在列入期内的列入决定一行：列入情形、法律依据、列入机关、惩戒措施及已脱敏的责任人。"),
    "key-attention": ("重点关注对象名单", ListEntryPublic,
                      "每条在列入期内的重点关注决定一行（民发〔2019〕103号）：仅有记录、尚无行政处罚决定的失信行为"
                      "（如拒不接受检查、未按规定报送年度报告）列入本名单，实施重点监管（提高抽查比例和频次），"
                      "不实施联合惩戒措施。"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    why: str
    type: str


def _kind(field: fields.Field) -> str:
    if isinstance(field, fields.Date):
        return "日期（YYYY-MM-DD）"
    if isinstance(field, fields.Integer):
        return "整数"
    if isinstance(field, fields.List):
        return "文本（多个值以“；”分隔）"
    return "文本"


def columns(shape: type[PublicShape]) -> list[Column]:
    """The shape's fields as flat columns, in declaration order."""
    out: list[Column] = []
    for name, field in shape._declared_fields.items():
        if isinstance(field, fields.Nested) and not isinstance(field, fields.List):
            inner = field.nested if isinstance(field.nested, type) else type(field.nested)
            for sub, sub_field in inner._declared_fields.items():
                key = f"{name}.{sub}"
                reason = sub_field.metadata.get(WHY, "")
                out.append(Column(key, LABELS.get(key, key), reason, "文本（已脱敏）"))
            continue
        out.append(Column(name, LABELS.get(name, name), field.metadata.get(WHY, ""), _kind(field)))
    return out


def cell(value: Any) -> str:
    """One shaped value as the text of a cell: lists joined with "；", measures by their title."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "；".join(cell(v.get("title") or v.get("code")) if isinstance(v, dict) else cell(v)
                        for v in value)
    return str(value)


def flatten(shaped: dict[str, Any], cols: list[Column]) -> list[str]:
    """A row already rendered by its shape, as the cells of `cols`."""
    out = []
    for col in cols:
        value: Any = shaped
        for part in col.key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        out.append(cell(value))
    return out
