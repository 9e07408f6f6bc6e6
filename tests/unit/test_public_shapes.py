"""Public shapes are allow-lists: only declared fields leave, persons masked one way, no free text."""

from __future__ import annotations

from datetime import date

from supervision.crypto import mask_name
from supervision.public.events import EVENT_SHAPES, TOPIC_SHAPES, public_event_data
from supervision.public.persons import mask_person
from supervision.public.shapes import SHAPES, FacilityPublic, ListEntryPublic

#: names that are free text or personal data wherever they appear: no public shape may declare them
NEVER_PUBLIC = {
    "description",
    "reason",
    "reasons",
    "notes",
    "note",
    "summary",
    "findings",
    "evidence",
    "resident_ref",
    "complainant",
    "personal",
    "id_number",
    "phone",
    "contact_phone",
    "close_reason",
    "due_note",
    "inspectors",
    "officer",
    "reported_by",
    "event_ref",
}


def test_every_field_of_every_public_shape_says_why_it_is_public():
    for shape in (*SHAPES, *TOPIC_SHAPES):
        for name, why in shape.public_fields().items():
            assert why.strip(), f"{shape.__name__}.{name} does not say why it is public"


def test_no_public_shape_declares_free_text_or_personal_data():
    for shape in (*SHAPES, *TOPIC_SHAPES):
        assert not set(shape.public_fields()) & NEVER_PUBLIC, shape.__name__


def test_a_view_row_renders_to_its_allow_list_with_persons_masked():
    row = {
        "uscc": "91350100M000100Y43",
        "name": "福州夕阳红养老院",
        "legal_representative": "王建国",
        "person_in_charge": "李芳",
        "close_reason": "法人张三电话13800138000",
        "status": "closed",
        "closed_on": date(2026, 3, 1),
        "a_column_added_later": "secret",
    }
    out = FacilityPublic.render(row)
    assert out["legal_representative"] == "王**" and out["person_in_charge"] == "李*"
    assert "close_reason" not in out and "a_column_added_later" not in out
    assert out["closed_on"] == "2026-03-01"


def test_listing_persons_are_masked_even_when_the_row_holds_them_in_clear():
    out = ListEntryPublic.render(
        {
            "uscc": "91350100M000100Y43",
            "criterion": "refused_inspection",
            "responsible_persons": {"legal_representative": "王建国"},
            "reason": "x",
        }
    )
    assert out["responsible_persons"] == {"legal_representative": "王**"} and "reason" not in out


def test_a_hazard_description_never_leaves_but_its_public_summary_does():
    payload = {
        "finding_no": "XF-1",
        "category": "evacuation",
        "location": "2号楼",
        "major": True,
        "description": "值班员张三 13800138000 未到岗",
        "public_summary": "2号楼疏散通道堵塞，已责令整改",
    }
    out = public_event_data("FireSafetyCase.HazardFound", payload)
    assert "description" not in out and out["public_summary"] == payload["public_summary"]
    assert public_event_data(
        "FireSafetyCase.RectificationRejected", {"reasons": ["x"], "inspection_no": "F"}
    ) == {"inspection_no": "F"}


def test_exit_reason_and_refund_reason_are_not_published():
    assert public_event_data("Facility.Closed", {"reason": "法人跑路"}) == {}
    due = public_event_data(
        "PrepaidLedger.RefundDue",
        {
            "due_ref": "D1",
            "reason": "家属王五要求",
            "kind": "deposit",
            "resident_ref": "R-1",
            "amount_fen": 1,
            "due_on": "2026-01-01",
        },
    )
    assert "reason" not in due and "resident_ref" not in due and due["due_on"] == "2026-01-01"


def test_an_event_type_without_a_shape_publishes_no_data():
    assert public_event_data("Facility.SomethingNew", {"anything": "at all"}) == {}
    assert "Inspection.ResultRecorded" not in EVENT_SHAPES  # unpublished results have no public shape


def test_persons_are_masked_one_way_everywhere():
    assert mask_name is not None and mask_name("张三丰") == mask_person("张三丰") == "张**"
    assert mask_person("王") == "王*" and mask_person("") == "" and mask_person(None) == ""


def test_docs_public_shapes_is_the_allow_list_of_the_code():
    from supervision.public.doc import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m supervision.public.doc"
