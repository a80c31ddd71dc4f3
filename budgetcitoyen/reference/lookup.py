"""Finding a commune from what a person types: its name (accents and case ignored, the usual short forms
« St-Omer », « Boulogne » understood), INSEE code or postal code, or both (« 62000 Arras »)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.reference.models import Commune
from budgetcitoyen.textsearch import alphabetical, alphabetically


def fold(text: str) -> str:
    """Lower-case, no accents, hyphens and apostrophes as spaces:
    « Saint-Étienne-au-Mont » ~ « saint etienne au mont »."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for char in "-'’.":
        plain = plain.replace(char, " ")
    plain = plain.replace("s/", " sur ")
    return " ".join(ABBREVIATIONS.get(word, word) for word in plain.split())


# The short forms people write on letters and forms: « St-Omer », « Ste-Catherine », « Boulogne s/ Mer ».
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
POSTAL_CODE = re.compile(r"\b(\d{5})\b")


@dataclass(frozen=True)
class CommuneIndex:
    """Every commune, indexed by folded name, INSEE code and postal code (when unambiguous)."""

    by_key: dict[str, str]
    by_postal_code: dict[str, frozenset[str]]
    names: dict[str, str]

    @classmethod
    def load(cls, session: Session) -> CommuneIndex:
        by_key: dict[str, str] = {}
        postal: dict[str, set[str]] = {}
        insee: dict[str, str] = {}
        names: dict[str, str] = {}
        rows = session.execute(select(Commune.insee_code, Commune.name, Commune.postal_codes))
        for code, name, postal_codes in rows:
            insee[code] = code
            names[code] = name
            by_key[fold(name)] = code
            by_key[fold(f"{name} ({code})")] = code
            for pc in postal_codes.split():
                postal.setdefault(pc, set()).add(code)
        # INSEE and postal codes share the same 62xxx range; people type postal codes, so a postal
        # code that designates one commune wins, and INSEE codes fill the rest, except a postal code
        # shared by several communes: Lens's « 62300 » is also Équihen-Plage's INSEE code, and a
        # resident of Lens typing it is asked for the name rather than placed on the coast.
        for pc, codes in postal.items():
            if len(codes) == 1:
                by_key[pc] = next(iter(codes))
        for code in insee:
            if len(postal.get(code, ())) < 2:
                by_key.setdefault(code, code)
        # A name's first word(s) alone, when only one commune starts so (« Boulogne » is Boulogne-sur-Mer,
        # « Saint » is nobody): every shorter form of each name, kept when it is not ambiguous.
        starts: dict[str, set[str]] = {}
        for code, name in names.items():
            words = fold(name).split()
            for end in range(1, len(words)):
                starts.setdefault(" ".join(words[:end]), set()).add(code)
        for start, codes in starts.items():
            if len(codes) == 1:
                by_key.setdefault(start, next(iter(codes)))
        return cls(by_key, {pc: frozenset(codes) for pc, codes in postal.items()}, names)

    def resolve(self, typed: str) -> str | None:
        """The INSEE code for what was typed, or None."""
        found = self.by_key.get(fold(typed)) or self.by_key.get(typed.strip())
        if found is not None:
            return found
        # « 62000 Arras », « Arras (62000) »: the name decides, if the postal code agrees with it.
        match = POSTAL_CODE.search(typed)
        if match:
            rest = fold(POSTAL_CODE.sub(" ", typed).replace("(", " ").replace(")", " "))
            code = self.by_key.get(rest) if rest else None
            if code is not None and code in self.by_postal_code.get(match.group(1), frozenset()):
                return code
        return None

    def shared_postal_code(self, typed: str) -> str | None:
        """When what was typed is a postal code of several communes, a French message naming them (the
        person then types the name, or « 62000 Arras »); None otherwise."""
        shared = self.by_postal_code.get(typed.strip(), frozenset())
        if len(shared) < 2:
            return None
        names = sorted((self.names[code] for code in shared), key=alphabetical)
        return (f"Le code postal {typed.strip()} couvre plusieurs communes ({', '.join(names[:12])}) : "
                f"indiquez le nom de la commune, par exemple « {typed.strip()} {names[0]} »")

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
                                                           .order_by(*alphabetically(Commune.name)))]
