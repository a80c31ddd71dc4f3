"""Pure rules of a structure: how initiatives of different editions are recognised as one structure, what a
profile may contain, and when a structure is an ambassador shown to the public. Stdlib only."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

NAME_MAX = 200
DESCRIPTION_MAX = 2000
WEBSITE_MAX = 300


def normalise_siret(raw: str) -> str:
    """The SIRET's 14 digits, or "" when what was typed is not 14 ASCII digits (spaces and dots ignored):
    an incomplete number must not merge two structures."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    return digits if re.fullmatch(r"[0-9]{14}", digits) else ""


def normalise_name(raw: str) -> str:
    """A structure's name folded for matching: no accents, no case, punctuation as spaces, spaces squeezed
    (« Association  Re-Faire » ~ « association re faire »)."""
    decomposed = unicodedata.normalize("NFKD", raw or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())[:NAME_MAX]


@dataclass(frozen=True)
class Identity:
    """What names a structure in a dossier: its SIRET when valid, else its folded name and its holder."""

    siret: str
    name_key: str
    holder_id: int | None

    @property
    def known(self) -> bool:
        """Whether the dossier names a structure at all."""
        return bool(self.siret or self.name_key)


def identity_of(siret: str, name: str, holder_id: int | None) -> Identity:
    return Identity(normalise_siret(siret), normalise_name(name), holder_id)


def website_problem(raw: str) -> str | None:
    """None when the address is empty or an http(s) address with a host; else a French explanation (no
    javascript:, data: or mailto: link on a public page)."""
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > WEBSITE_MAX:
        return f"L'adresse du site compte au plus {WEBSITE_MAX} caractères."
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in value):
        return "Indiquez l'adresse complète du site, commençant par https:// ou http://."
    return None


def is_listed(published: bool, labelled_public_initiatives: int) -> bool:
    """An ambassador shown to the public: the holder published the profile and at least one of its
    initiatives is labelled in a published catalogue (a label is not public before its catalogue)."""
    return published and labelled_public_initiatives > 0
