"""一公开 publishes results, not the draw: the relay never announces who will be inspected."""

from consumers.topics import Catalogue


def test_the_draw_and_unpublished_results_have_no_topic_but_published_results_do():
    catalogue = Catalogue()
    for hidden in ("SpotCheckCampaign.Drawn", "Inspection.Scheduled", "Inspection.ResultRecorded"):
        assert catalogue.for_event(hidden) is None, hidden
    published = ("SpotCheckCampaign.Planned", "Inspection.ResultPublished", "Inspection.PublicationOverdue")
    for public in published:
        assert catalogue.for_event(public).name == "spot-checks", public
