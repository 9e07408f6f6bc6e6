"""一公开 publishes results, not the draw: the relay never announces who will be inspected."""

from consumers.envelope import scrub
from consumers.topics import Catalogue


def test_the_draw_and_unpublished_results_have_no_topic_but_published_results_do():
    catalogue = Catalogue()
    hidden = ("SpotCheckCampaign.Drawn", "Inspection.Scheduled", "Inspection.Redrawn", "Inspection.Withdrawn",
              "Inspection.ResultRecorded")
    for event in hidden:
        assert catalogue.for_event(event) is None, event
    published = ("SpotCheckCampaign.Planned", "Inspection.ResultPublished", "Inspection.PublicationOverdue")
    for public in published:
        assert catalogue.for_event(public).name == "spot-checks", public


def test_the_seed_commitment_is_announced_before_the_draw_without_the_sealed_seed():
    assert Catalogue().for_event("SpotCheckCampaign.SeedCommitted").name == "spot-checks"
    data = scrub({"campaign_id": "c", "attempt": 1, "commitment": "ab" * 32,
                        "seed_sealed": "gAAAA-ciphertext", "reason": None})
    assert data["commitment"] == "ab" * 32 and "seed_sealed" not in data
