"""Finding a commune from what a person types: its name (accents and case ignored), INSEE code or
postal code."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.reference.models import Commune


def fold(text: str) -> str:
    """Lower-case, no accents, hyphens and apostrophes as spaces:
    « Saint-Étienne-au-Mont » ~ « saint etienne au mont »."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for char in "-'’":
        plain = plain.replace(char, " ")
    return " ".join(plain.split())


@dataclass(frozen=True)
class CommuneIndex:
    """Every commune, indexed by folded name, INSEE code and postal code (when unambiguous)."""

    by_key: dict[str, str]
    by_postal_code: dict[str, frozenset[str]]

    @classmethod
    def load(cls, session: Session) -> CommuneIndex:
        by_key: dict[str, str] = {}
        postal: dict[str, set[str]] = {}
        insee: dict[str, str] = {}
        rows = session.execute(select(Commune.insee_code, Commune.name, Commune.postal_codes))
        for code, name, postal_codes in rows:
            insee[code] = code
            by_key[fold(name)] = code
            by_key[fold(f"{name} ({code})")] = code
            for pc in postal_codes.split():
                postal.setdefault(pc, set()).add(code)
        # INSEE and postal codes share the same 62xxx range; people type postal codes, so a postal
        # code that designates one commune wins, and INSEE codes fill the rest.
        for pc, codes in postal.items():
            if len(codes) == 1:
                by_key[pc] = next(iter(codes))
        for code in insee:
            by_key.setdefault(code, code)
        return cls(by_key, {pc: frozenset(codes) for pc, codes in postal.items()})

    def resolve(self, typed: str) -> str | None:
        """The INSEE code for what was typed, or None."""
        return self.by_key.get(fold(typed)) or self.by_key.get(typed.strip())

    def candidates(self, typed: str) -> frozenset[str]:
        """Every commune what was typed may mean: a shared postal code designates several (for searching)."""
        shared = self.by_postal_code.get(typed.strip())
        if shared:
            return shared
        code = self.resolve(typed)
        return frozenset({code}) if code else frozenset()


def split_entries(text: str) -> list[str]:
    """Entries separated by new lines, commas or semicolons."""
    for separator in ",;":
        text = text.replace(separator, "\n")
    return [entry.strip() for entry in text.splitlines() if entry.strip()]


def resolve_all(index: CommuneIndex, entries: Iterable[str]) -> tuple[list[str], list[str]]:
    """(INSEE codes found, entries not recognised)."""
    found, unknown = [], []
    for entry in entries:
        code = index.resolve(entry)
        if code is None:
            unknown.append(entry)
        elif code not in found:
            found.append(code)
    return found, unknown


def commune_datalist(session: Session) -> list[tuple[str, str]]:
    """Every commune as (name, INSEE code) in name order: the suggestions of a commune field's datalist."""
    return [(name, code) for name, code in session.execute(select(Commune.name, Commune.insee_code)
                                                           .order_by(Commune.name))]
