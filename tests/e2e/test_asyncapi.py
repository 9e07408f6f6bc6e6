"""The topic catalogue is published (AsyncAPI 3.0) and the repo's copies are current."""

from __future__ import annotations

import json

from consumers.asyncapi import DOCS, render


def test_docs_asyncapi_json_and_topics_md_are_generated_from_the_current_catalogue():
    spec, md = render()
    assert (DOCS / "asyncapi.json").read_text(encoding="utf-8") == spec, "run: python -m consumers.asyncapi"
    assert (DOCS / "topics.md").read_text(encoding="utf-8") == md, "run: python -m consumers.asyncapi"


def test_the_api_serves_the_catalogue_with_the_deployment_prefix(client):
    r = client.get("/api/asyncapi.json")
    assert r.status_code == 200
    doc = r.json
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"] for c in doc["channels"].values()}
    assert {"eldercare.facilities", "eldercare.joint-punishment", "eldercare.inbound.hotline-complaints",
            "eldercare.inbound.hotline-complaints.dlq"} <= addresses
    grades = doc["channels"]["Grades"]["bindings"]["kafka"]["topicConfiguration"]
    assert grades == {"cleanup.policy": ["compact"]}
    hotline = doc["components"]["schemas"]["InboundHotlineComplaintsBody"]
    assert {"uscc", "reference", "category", "summary", "schema_version"} <= set(hotline["required"])
    assert "channel" not in hotline["properties"]  # set by the consumer, not by the producer
    assert json.dumps(doc, ensure_ascii=False).count("resident_ref") == 0
