"""One public shape per public record, declared field by field (the allow-list).

Used by every unauthenticated endpoint (`/api/v1/facilities`, `/api/v1/public/...`, the prepaid
summary, the grade of a facility, the draw verification) and, through `supervision.public.events`,
by every public topic. Pages and downloads render the same shapes: `FacilityPublic.render(row)` on a
view row gives exactly what the public may see.

What is never here: free text typed by staff (descriptions, reasons, notes, summaries, objections),
sealed personal data (ID numbers, phones, complainants), resident references, inspectors' identities,
evidence references, deadline notes and internal event references. Persons are masked
(`MaskedPerson`, one function: `supervision.public.persons.mask_person`).
"""

from __future__ import annotations

from marshmallow import fields

from supervision.public.base import MaskedPerson, PublicShape, UtcDateTime, why

_USCC = why("统一社会信用代码: the facility's public registration key (GB 32100-2015)")
_NAME = why("the facility's registered name, public in the 备案 registry")
_REGION = why("GB/T 2260 administrative region code: which authority supervises it")


# -- registry ------------------------------------------------------------------------------------
class FacilityPublic(PublicShape):
    """A facility's 备案 entry as the public registry shows it."""

    uscc = fields.String(metadata=_USCC)
    facility_id = fields.String(metadata=why("uuid5 of the USCC: the key other public records use"))
    name = fields.String(metadata=_NAME)
    address = fields.String(metadata=why("the premises' address: where residents and visitors go"))
    region_code = fields.String(metadata=_REGION)
    ownership = fields.String(metadata=why("公办 / 公建民营 / 民办: registry category"))
    profit_status = fields.String(metadata=why("营利 / 非营利: registry category"))
    total_beds = fields.Integer(metadata=why("capacity, published in the registry"))
    nursing_beds = fields.Integer(metadata=why("护理型床位: a published policy target (≥ 50–55 %)"))
    legal_representative = MaskedPerson(
        metadata=why("法定代表人, masked (张**): the registry names the responsible person, never in clear")
    )
    person_in_charge = MaskedPerson(metadata=why("主要负责人, masked like every public person"))
    opened_on = fields.Date(allow_none=True, metadata=why("opening date, a registry fact"))
    registered_on = fields.Date(metadata=why("备案 date, a registry fact"))
    status = fields.String(metadata=why("open | closed: whether the facility still operates (退出)"))
    closed_on = fields.Date(allow_none=True, metadata=why("退出 date (the staff's reason is not public)"))
    grade_level = fields.Integer(allow_none=True, metadata=why("等级评定 level: grades are published"))
    grade_score = fields.Integer(allow_none=True, metadata=why("等级评定 score, published with the level"))
    grade_assessed_on = fields.Date(allow_none=True, metadata=why("certificate date of the grade"))
    grade_valid_until = fields.Date(allow_none=True, metadata=why("a grade is valid 3 years; public"))
    grade_assessing_body = fields.String(allow_none=True, metadata=why("who assessed: an authority"))
    version = fields.Integer(metadata=why("registry entry version (ETag for conditional reads)"))
    updated_at = UtcDateTime(metadata=why("when the entry last changed"))


class FacilityPagePublic(PublicShape):
    """One page of the public registry."""

    items = fields.List(fields.Nested(FacilityPublic), metadata=why("the facilities of this page"))
    page = fields.Integer(metadata=why("paging"))
    page_size = fields.Integer(metadata=why("paging"))
    total = fields.Integer(metadata=why("paging: how many match"))


# -- grades ----------------------------------------------------------------------------------------
class GradePublic(PublicShape):
    """An official grade (等级评定, GB/T 37276-2018): results are public (seeds 000, 001, 003, 004)."""

    uscc = fields.String(metadata=_USCC)
    facility_name = fields.String(allow_none=True, metadata=_NAME)
    region_code = fields.String(allow_none=True, metadata=_REGION)
    level = fields.Integer(allow_none=True, metadata=why("一级…五级: the published grade"))
    score = fields.Integer(allow_none=True, metadata=why("score on 1,000 points, published with the level"))
    assessing_body = fields.String(allow_none=True, metadata=why("the assessing authority"))
    certificate_no = fields.String(allow_none=True, metadata=why("certificate number (printed)"))
    assessed_on = fields.Date(allow_none=True, metadata=why("certificate date"))
    valid_until = fields.Date(allow_none=True, metadata=why("end of the 3-year validity"))
    status = fields.String(metadata=why("valid | expired | ungraded on the date asked"))
    policy_version = fields.String(allow_none=True, metadata=why("grading rules version"))


class GradeAsOfPublic(GradePublic):
    """A facility's grade on a date, with the assessments before it."""

    as_of = fields.Date(metadata=why("the date the answer is for"))
    history = fields.List(fields.Nested(GradePublic), metadata=why("earlier published assessments"))


class GradeListPublic(PublicShape):
    as_of = fields.Date(metadata=why("the date the answer is for"))
    total = fields.Integer(metadata=why("how many grades"))
    items = fields.List(fields.Nested(GradePublic), metadata=why("grades in force (or expired) on as_of"))


# -- credit lists ----------------------------------------------------------------------------------
class ResponsiblePersonsPublic(PublicShape):
    """The persons a joint-punishment listing names (民发〔2019〕103号): masked, always."""

    legal_representative = MaskedPerson(metadata=why("法定代表人 named by the listing, masked"))
    person_in_charge = MaskedPerson(metadata=why("主要负责人 named by the listing, masked"))


class MeasurePublic(PublicShape):
    code = fields.String(metadata=why("joint-punishment measure code"))
    title = fields.String(metadata=why("the measure as the listing rules word it"))


class ListEntryPublic(PublicShape):
    """One listing in force on the joint-punishment list (信用中国-style publication)."""

    uscc = fields.String(metadata=_USCC)
    facility_name = fields.String(allow_none=True, metadata=_NAME)
    region_code = fields.String(allow_none=True, metadata=_REGION)
    list_kind = fields.String(metadata=why("which list: joint_punishment / key_attention"))
    criterion = fields.String(metadata=why("the listing criterion (民发〔2019〕103号 第六条)"))
    criterion_title = fields.String(allow_none=True, metadata=why("the criterion as the rules word it"))
    legal_basis = fields.String(allow_none=True, metadata=why("the legal text the listing rests on"))
    authority = fields.String(allow_none=True, metadata=why("谁列入、谁负责: the listing authority"))
    penalty_decision_no = fields.String(
        allow_none=True,
        metadata=why("number of the administrative penalty decision, itself published (行政处罚公示)"),
    )
    effective_on = fields.Date(allow_none=True, metadata=why("listed from"))
    expires_on = fields.Date(allow_none=True, metadata=why(
        "listed through this day, inclusive (3 years by default, counted as 民法典 art. 201 counts terms)"))
    measures = fields.List(fields.Nested(MeasurePublic), metadata=why("the measures others must apply"))
    responsible_persons = fields.Nested(
        ResponsiblePersonsPublic, metadata=why("the listing names the responsible persons; masked")
    )


class BlacklistEntryPublic(PublicShape):
    """失信名单: one line per facility with a joint-punishment listing in force."""

    uscc = fields.String(metadata=_USCC)
    facility_name = fields.String(allow_none=True, metadata=_NAME)
    region_code = fields.String(allow_none=True, metadata=_REGION)
    listed_since = fields.Date(metadata=why("earliest listing in force"))
    listed_until = fields.Date(metadata=why("last day (inclusive) of the latest listing in force"))
    criteria = fields.List(fields.String(), metadata=why("criteria codes of the listings in force"))


class CreditListPublic(PublicShape):
    list = fields.String(metadata=why("blacklist | joint-punishment | key-attention"))
    as_of = fields.Date(metadata=why("the date the answer is for"))
    total = fields.Integer(metadata=why("how many entries"))
    items = fields.Raw(metadata=why("BlacklistEntryPublic or ListEntryPublic rows, already shaped"))


# -- spot checks ---------------------------------------------------------------------------------
class ChecklistItemPublic(PublicShape):
    """One checklist line of a published result: what was checked and the outcome, no notes."""

    code = fields.String(metadata=why("checklist item code of the campaign's published checklist"))
    title = fields.String(allow_none=True, metadata=why("checklist item title, from the campaign"))
    result = fields.String(allow_none=True, metadata=why("pass / fail: 一公开 publishes the outcome"))
    severity = fields.String(allow_none=True, metadata=why("severity of a failed item"))


class SpotCheckResultPublic(PublicShape):
    """A published 双随机、一公开 result, as the national disclosure system shows it."""

    campaign_id = fields.String(metadata=why("the campaign, itself public once planned"))
    campaign_name = fields.String(allow_none=True, metadata=why("the campaign's name"))
    kind = fields.String(allow_none=True, metadata=why("annual | special"))
    agencies = fields.List(fields.String(), metadata=why("the agencies that inspected (joint campaigns)"))
    uscc = fields.String(metadata=_USCC)
    facility_name = fields.String(allow_none=True, metadata=_NAME)
    conclusion = fields.String(metadata=why("the national disclosure system's conclusion category"))
    conclusion_label = fields.String(allow_none=True, metadata=why("the conclusion as that system words it"))
    items = fields.List(fields.Nested(ChecklistItemPublic), metadata=why("checklist outcomes"))
    completed_on = fields.Date(allow_none=True, metadata=why("inspection date"))
    published_on = fields.Date(allow_none=True, metadata=why("publication date (≤ 20 working days)"))
    channel = fields.String(allow_none=True, metadata=why("where it was published"))


class SpotCheckResultPagePublic(PublicShape):
    items = fields.List(fields.Nested(SpotCheckResultPublic), metadata=why("the results of this page"))
    page = fields.Integer(metadata=why("paging"))
    page_size = fields.Integer(metadata=why("paging"))
    total = fields.Integer(metadata=why("paging: how many match"))


class DrawVerificationPublic(PublicShape):
    """Anyone may re-run a draw on its recorded inputs: the outcome of that check."""

    campaign_id = fields.String(metadata=why("the campaign"))
    algorithm = fields.String(allow_none=True, metadata=why("algorithm version: re-runnable"))
    seed = fields.String(allow_none=True, metadata=why("the revealed seed (committed before the draw)"))
    drawn_on = fields.Date(allow_none=True, metadata=why("draw date"))
    directory_size = fields.Integer(allow_none=True, metadata=why("size of the frozen directory snapshot"))
    pool_size = fields.Integer(allow_none=True, metadata=why("size of the inspector pool"))
    facility_count = fields.Integer(allow_none=True, metadata=why("how many facilities were drawn"))
    verified = fields.Boolean(metadata=why("whether the re-run gave the recorded result"))
    differences = fields.List(fields.String(), metadata=why("what differs, when it does"))


# -- supervision rating (ours), from public facts ------------------------------------------------
class RatingPointPublic(PublicShape):
    """One deduction of the public supervision rating: the public fact behind it, in words."""

    fact = fields.String(metadata=why("the rating rule's fact code (supervision.policy.rating)"))
    fact_title = fields.String(metadata=why(
        "the fact in words, from the rule's fixed vocabulary (never staff text)"))
    points = fields.Integer(metadata=why("points the rule deducts for it (negative)"))
    occurred_on = fields.Date(metadata=why("the day of the fact the points count from"))
    counts_through = fields.Date(metadata=why("the last day the points count (rolling window)"))
    record = fields.String(metadata=why(
        "which public record the fact is: spot_check_result | fire_case | prepaid_violation | complaint"))
    record_ref = fields.String(allow_none=True, metadata=why(
        "that record's public key: campaign id of a published result, the fire finding number"))
    words = fields.String(metadata=why("the fact as a sentence built only from the public values above "
                                       "and their codes' Chinese names"))


class RatingListingPublic(PublicShape):
    """A published listing in force that rates the facility D."""

    list_kind = fields.String(metadata=why("joint_punishment | key_attention: both lists are published"))
    criterion = fields.String(metadata=why("the listing criterion (民发〔2019〕103号 第六条)"))
    criterion_title = fields.String(allow_none=True, metadata=why("the criterion as the rules word it"))
    effective_on = fields.Date(metadata=why("listed from"))
    through = fields.Date(metadata=why("in force through this day, inclusive"))


class RatingPublic(PublicShape):
    """The supervision rating (A–D, ours) on a date, computed from public facts only, with every point."""

    uscc = fields.String(metadata=_USCC)
    as_of = fields.Date(metadata=why("the date the answer is for"))
    level = fields.String(metadata=why("A / B / C / D: the rating on as_of from the public facts below"))
    score = fields.Integer(metadata=why("start score plus the points below"))
    start_score = fields.Integer(metadata=why("the rule's start score"))
    bands = fields.List(fields.String(), metadata=why("the rule's bands (A ≥ 90 …)"))
    window_months = fields.Integer(metadata=why("how long a fact counts, months"))
    policy_version = fields.String(metadata=why("rating rules version"))
    legal_basis = fields.String(metadata=why("the legal texts the rule implements"))
    points = fields.List(fields.Nested(RatingPointPublic), metadata=why("every deduction, oldest first"))
    listings_in_force = fields.List(fields.Nested(RatingListingPublic), metadata=why(
        "published listings in force: any one rates the facility D"))


# -- fire safety ---------------------------------------------------------------------------------
class FireCasePublic(PublicShape):
    """An unresolved fire-safety finding: numbers, category and dates only (no description, no persons)."""

    finding_no = fields.String(metadata=why("the fire authority's finding number (public on the fire topic)"))
    category = fields.String(metadata=why("hazard category code"))
    major = fields.Boolean(metadata=why("重大火灾隐患: a listing criterion"))
    major_criterion = fields.String(allow_none=True, metadata=why("the GB 35181-2017 clause cited"))
    found_on = fields.Date(metadata=why("the finding's date"))
    status = fields.String(metadata=why("found | ordered | reported: where the rectification stands"))
    due_on = fields.Date(allow_none=True, metadata=why("rectification deadline"))
    overdue = fields.Boolean(metadata=why("the deadline passed without verified rectification"))
    sealed = fields.Boolean(metadata=why("premises temporarily sealed (临时查封) for it"))
    sealed_on = fields.Date(allow_none=True, metadata=why("since when sealed"))


class FireSafetyStatusPublic(PublicShape):
    """A facility's fire-safety status now: counts and open findings from the public fire events."""

    uscc = fields.String(metadata=_USCC)
    open_hazards = fields.Integer(metadata=why("findings not yet verified as rectified"))
    open_major_hazards = fields.Integer(metadata=why("of which major"))
    overdue_rectifications = fields.Integer(metadata=why("open findings past their deadline"))
    sealed = fields.Boolean(metadata=why("whether any part of the premises is sealed now"))
    rectified = fields.Integer(metadata=why("findings verified as rectified"))
    open_cases = fields.List(fields.Nested(FireCasePublic), metadata=why("the open findings, by deadline"))


# -- district overview ---------------------------------------------------------------------------
class OverviewCountPublic(PublicShape):
    """One bar of an overview chart: a code, its name and how many."""

    key = fields.String(metadata=why("the code counted (a rating level, a grade, a complaint category)"))
    label = fields.String(metadata=why("the code's Chinese name"))
    count = fields.Integer(metadata=why("how many facilities or records"))


class OverviewMonthPublic(PublicShape):
    """One cell of a by-month chart."""

    month = fields.String(metadata=why("calendar month, YYYY-MM"))
    key = fields.String(metadata=why("the code counted (overdue | late, a complaint category)"))
    label = fields.String(metadata=why("the code's Chinese name"))
    count = fields.Integer(metadata=why("how many in that month"))


class OverviewPublic(PublicShape):
    """A district's figures (or the whole register's): counts of public records only."""

    region_code = fields.String(metadata=why("the region code or prefix asked ('' = all)"))
    as_of = fields.Date(metadata=why("the date the answer is for"))
    facilities = fields.Integer(metadata=why("registered facilities in the region"))
    ratings = fields.List(fields.Nested(OverviewCountPublic), metadata=why(
        "facilities per public supervision rating level (RatingPublic)"))
    grades = fields.List(fields.Nested(OverviewCountPublic), metadata=why(
        "facilities per official grade in force, expired or ungraded"))
    overdue_publications = fields.List(fields.Nested(OverviewMonthPublic), metadata=why(
        "spot-check results published after their deadline or still overdue, by month of the deadline "
        "(public on the spot-checks topic)"))
    complaints = fields.List(fields.Nested(OverviewMonthPublic), metadata=why(
        "concluded complaints per category, by month of conclusion (public as the complaint summary)"))
    months = fields.List(fields.String(), metadata=why("the 12 months the by-month figures cover"))


# -- prepaid fees ----------------------------------------------------------------------------------
class PrepaidKindPublic(PublicShape):
    kind = fields.String(metadata=why("押金 / 预收服务费 / 会员费"))
    received_fen = fields.Integer(metadata=why("total received, in fen: the facility's, not a resident's"))
    refunded_fen = fields.Integer(metadata=why("total refunded, in fen"))
    held_fen = fields.Integer(metadata=why("held now, in fen"))
    custodied_fen = fields.Integer(metadata=why("in custody or covered by a risk reserve, in fen"))
    uncustodied_fen = fields.Integer(metadata=why("held but not custodied: the risk the public bears"))
    custody_coverage_percent = fields.Float(allow_none=True, metadata=why("custody coverage, percent"))


class PrepaidViolationPublic(PublicShape):
    rule_id = fields.String(metadata=why("the cap that was exceeded"))
    rule_version = fields.String(metadata=why("the version of that cap"))
    kind = fields.String(metadata=why("which prepaid kind"))
    measure = fields.String(metadata=why("what the cap measures"))
    unit = fields.String(metadata=why("unit of limit and actual"))
    limit = fields.Integer(metadata=why("the cap"))
    actual = fields.Integer(metadata=why("what was received"))
    occurred_on = fields.Date(metadata=why("date of the receipt"))
    legal_basis = fields.String(allow_none=True, metadata=why("the rule's legal text"))


class PrepaidSignalPublic(PublicShape):
    signal = fields.String(metadata=why("illegal fund-raising risk signal code"))
    rule_id = fields.String(metadata=why("the rule that raised it"))
    raised_on = fields.Date(metadata=why("since when"))


class PrepaidSummaryPublic(PublicShape):
    """A facility's prepaid-fee position: totals only, never a resident."""

    uscc = fields.String(metadata=_USCC)
    kinds = fields.List(fields.Nested(PrepaidKindPublic), metadata=why("totals per kind"))
    held_fen = fields.Integer(metadata=why("total held, in fen"))
    custody_coverage_percent = fields.Float(allow_none=True, metadata=why("custody coverage, percent"))
    violations = fields.List(fields.Nested(PrepaidViolationPublic), metadata=why("cap violations"))
    risk_signals = fields.List(fields.Nested(PrepaidSignalPublic), metadata=why("active risk signals"))
    refunds_due_open = fields.Integer(metadata=why("refunds due and not yet paid (count)"))
    refunds_overdue = fields.Integer(metadata=why("refunds past their due date (count)"))


# -- complaints ------------------------------------------------------------------------------------
class ComplaintSummaryPublic(PublicShape):
    """Concluded complaints about a facility, counted: no text, no complainant."""

    uscc = fields.String(metadata=_USCC)
    concluded = fields.Integer(metadata=why("how many complaints were concluded"))
    by_category = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata=why("counts per category code (abuse, fees, ...)"),
    )
    by_outcome = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata=why("counts per outcome code (substantiated, ...)"),
    )



class AgencyNamePublic(PublicShape):
    """An agency as the public pages name it (列入机关, 检查部门): a public body, never its staff."""

    code = fields.String(metadata=why("the agency's registry code, as the public records give it"))
    name = fields.String(metadata=why("the agency's official name (a public body)"))

#: every public record shape, for the docs and the tests (every field must say why it is public)
SHAPES: tuple[type[PublicShape], ...] = (
    FacilityPublic,
    FacilityPagePublic,
    GradePublic,
    GradeAsOfPublic,
    GradeListPublic,
    ResponsiblePersonsPublic,
    MeasurePublic,
    ListEntryPublic,
    BlacklistEntryPublic,
    CreditListPublic,
    ChecklistItemPublic,
    SpotCheckResultPublic,
    SpotCheckResultPagePublic,
    DrawVerificationPublic,
    RatingPointPublic,
    RatingListingPublic,
    RatingPublic,
    FireCasePublic,
    FireSafetyStatusPublic,
    OverviewCountPublic,
    OverviewMonthPublic,
    OverviewPublic,
    PrepaidKindPublic,
    PrepaidViolationPublic,
    PrepaidSignalPublic,
    PrepaidSummaryPublic,
    ComplaintSummaryPublic,
    AgencyNamePublic,
)
