"""The credit capability's read models and its policy process, registered together."""

from __future__ import annotations

from projections.base import ViewProjection
from projections.credit_lists import CreditListsProjection
from projections.credit_policy import CreditPolicyProjection
from projections.grades import GradesProjection
from projections.supervision_rating import SupervisionRatingProjection

CREDIT_PROJECTIONS: tuple[type[ViewProjection], ...] = (
    GradesProjection,
    SupervisionRatingProjection,
    CreditListsProjection,
    CreditPolicyProjection,
)
