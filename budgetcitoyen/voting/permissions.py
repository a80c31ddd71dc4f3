"""Who sees what of the vote beyond a role (pure: they read the attributes given, never query).

Roles alone are declared on the views (`Access.STAFF` enters paper ballots, `Access.ADMIN` voids
one or shows the running tally); these predicates add what depends on the edition and the moment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from budgetcitoyen.editions.rules import PhaseStatus
from budgetcitoyen.voting.rules import ballot_is_public

if TYPE_CHECKING:
    from budgetcitoyen.editions.models import Edition


def staff_sees_tally(edition: Edition, vote_status: PhaseStatus | None) -> bool:
    """The ESS service sees running results only when it shows them to the public too; the count once
    the vote is closed."""
    return vote_status is PhaseStatus.CLOSED or (vote_status is PhaseStatus.OPEN and edition.live_results)


def public_sees_tally(edition: Edition) -> bool:
    """Visitors see the votes per initiative only when the ESS service shows them (and the ballot is
    public)."""
    return edition.live_results and ballot_is_public(edition)
