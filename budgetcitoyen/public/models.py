"""The texts of the public pages that the ESS service edits (home introduction, how it works, FAQ, legal
notice, privacy, accessibility). A page without a row shows its default text; each saved version is
also kept in the audit journal, with the text before and after."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from budgetcitoyen.db import Base

if TYPE_CHECKING:  # the editor is an account; accounts sit below the public site
    from budgetcitoyen.accounts.models import User


class SitePage(Base):
    """The current Markdown text of one editable page."""

    __tablename__ = "site_pages"

    slug: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    updated_by: Mapped[User | None] = relationship("User")
