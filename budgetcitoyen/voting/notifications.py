"""Mails of the vote: the receipt of a ballot (queued with the ballot, sent once it is committed)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from budgetcitoyen.accounts.models import User
from budgetcitoyen.clock import to_local
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.mail import Link, queue
from budgetcitoyen.voting.models import Ballot


def ballot_receipt(session: Session, user: User, edition: Edition, ballot: Ballot, code: str) -> None:
    """The voter's receipt; private: deleted from the mail queue once delivered."""
    # A change has a subject of its own: in a mailbox, the latest receipt is told from the first at a glance.
    subject = ("Votre vote au Budget citoyen est modifié" if ballot.version > 1
               else "Votre vote au Budget citoyen est enregistré")
    # Rendered by the mail worker when it sends it, not in the ballot's request (issue #14): the queue
    # holds the same as the message would (the year, the day, the code and its link; never a choice).
    queue(session, user.email, subject, "ballot_receipt",
          private=True, render_later=True, year=edition.year, code=code, cast_at=to_local(ballot.cast_at),
          changed=ballot.version > 1, link=Link.to("voting.receipt", code=code))
