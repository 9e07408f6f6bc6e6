"""The compiled dump of a public shape (supervision/api/rendering.py) answers what marshmallow does."""

from __future__ import annotations

from datetime import UTC, date, datetime

from supervision.api.rendering import compiled
from supervision.public.shapes import FacilityPublic, GradePublic

ROW = {
    "uscc": "12140502MB1234567X", "facility_id": "0f1e2d3c-0000-5000-8000-000000000000",
    "name": "康乐养老院", "address": "晋城市城区凤台街1号", "region_code": "140502",
    "ownership": "private", "profit_status": "non_profit", "total_beds": 120, "nursing_beds": 70,
    "legal_representative": "张三丰", "person_in_charge": "李四", "opened_on": date(2019, 5, 1),
    "registered_on": date(2020, 1, 2), "status": "closed", "closed_on": date(2026, 10, 1),
    "close_reason": "内部原因（不公开）", "grade_level": 4, "grade_score": 800,
    "grade_assessed_on": date(2026, 9, 1), "grade_valid_until": date(2029, 8, 31),
    "grade_assessing_body": "晋城市民政局", "version": 4,
    "updated_at": datetime(2026, 10, 1, 8, tzinfo=UTC),
}


def test_a_compiled_shape_dumps_what_marshmallow_dumps_key_for_key_and_in_order():
    render = compiled(FacilityPublic)
    ungraded = {**ROW, "opened_on": None, "closed_on": None, "grade_level": None, "grade_score": None,
                "grade_assessed_on": None, "grade_valid_until": None, "grade_assessing_body": None,
                "legal_representative": "", "status": "open"}
    partial = {k: v for k, v in ROW.items() if k not in ("version", "person_in_charge")}
    for row in (ROW, ungraded, partial):
        expected = FacilityPublic().dump(row)
        assert list(render(row).items()) == list(expected.items())
    assert render(ROW)["legal_representative"] == "张**"  # masked by the shape's own field
    assert "close_reason" not in render(ROW)  # the staff's reason is not public
    assert compiled(FacilityPublic) is render  # compiled once per shape


def test_fields_other_than_plain_ones_go_through_the_field_itself():
    row = {"uscc": ROW["uscc"], "facility_name": "康乐养老院", "region_code": "140502", "level": 3,
           "score": 600, "assessing_body": "晋城市民政局", "certificate_no": "C-1",
           "assessed_on": date(2026, 9, 1), "valid_until": date(2029, 8, 31), "status": "valid",
           "policy_version": None}
    assert list(compiled(GradePublic)(row).items()) == list(GradePublic().dump(row).items())
