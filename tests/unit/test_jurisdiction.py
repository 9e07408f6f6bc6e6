"""Jurisdiction over GB/T 2260 region codes: an agency acts on its own region and, for a city or a
province, the regions below it; municipalities have a municipal and a district level only."""

from __future__ import annotations

import pytest

from supervision.authority import missing_scopes
from supervision.dispatcher import ALL_COMMANDS
from supervision.jurisdiction import AgencyRecord, covers, filter_prefix, is_superior_or_same, level_problem


def agency(code: str, level: str, kind: str = "civil_affairs", active: bool = True) -> AgencyRecord:
    return AgencyRecord(code=code, kind=kind, level=level, region_code=code.split("-")[1], name=code,
                        active=active)


JC_CITY = agency("MZJ-140500", "city")
YC_COUNTY = agency("MZJ-140522", "county")
SHANXI = agency("MZJ-140000", "province")
BEIJING = agency("MZJ-110000", "province")
CHAOYANG = agency("MZJ-110105", "county")
MINISTRY = AgencyRecord("MZB-100000", "civil_affairs", "national", "100000", "民政部")


@pytest.mark.parametrize(("who", "region", "covered"), [
    (YC_COUNTY, "140522", True), (YC_COUNTY, "140521", False),
    (JC_CITY, "140522", True), (JC_CITY, "140581", True), (JC_CITY, "140100", False), (JC_CITY, "1405", True),
    (JC_CITY, "14", False),
    (SHANXI, "140522", True), (SHANXI, "141000", True), (SHANXI, "350102", False),
    (BEIJING, "110105", True), (BEIJING, "110101", True), (BEIJING, "120101", False),
    (CHAOYANG, "110105", True), (CHAOYANG, "110101", False),
    (MINISTRY, "350102", True), (MINISTRY, "100000", True),
])
def test_an_agency_covers_its_region_and_for_a_city_or_province_the_regions_below(who, region, covered):
    assert covers(who, region) is covered


def test_a_dissolved_agency_covers_nothing():
    assert not covers(agency("MZJ-140500", "city", active=False), "140522")


def test_municipalities_have_no_city_level_bureau():
    assert "region_code" in level_problem("MZJ-110100", "civil_affairs", "city", "110100")
    assert level_problem("MZJ-110000", "civil_affairs", "province", "110000") == {}
    assert level_problem("MZJ-110105", "civil_affairs", "county", "110105") == {}
    assert "region_code" in level_problem("MZJ-140522", "civil_affairs", "city", "140522")
    assert "region_code" in level_problem("MZJ-140500", "civil_affairs", "province", "140500")
    assert "region_code" in level_problem("MZB-100000", "civil_affairs", "national", "110000")


def test_the_superior_is_the_same_line_above_never_another_kind_or_a_peer():
    assert is_superior_or_same(JC_CITY, YC_COUNTY) and is_superior_or_same(SHANXI, YC_COUNTY)
    assert is_superior_or_same(YC_COUNTY, YC_COUNTY)
    assert not is_superior_or_same(YC_COUNTY, JC_CITY)  # a subordinate is not a superior
    assert not is_superior_or_same(agency("XFJY-140500", "city", "fire"), YC_COUNTY)  # another line
    assert not is_superior_or_same(agency("MZJ-140521", "county"), YC_COUNTY)  # a peer


def test_list_filters_are_narrowed_to_the_jurisdiction():
    assert filter_prefix(JC_CITY, None) == "1405"
    assert filter_prefix(JC_CITY, "140522") == "140522"
    assert filter_prefix(JC_CITY, "14") == "1405"
    assert filter_prefix(JC_CITY, "35") is None


def test_every_command_has_a_jurisdiction_rule():
    assert missing_scopes(s.name for s in ALL_COMMANDS) == []
