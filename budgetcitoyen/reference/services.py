"""Loading reference data from the shipped CSV files (or an updated commune list)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from budgetcitoyen.audit import services as audit
from budgetcitoyen.config import DEFAULT_PROFILE, profile_names
from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference.models import Commune, StructureType, Territory
from budgetcitoyen.textsearch import alphabetically

if TYPE_CHECKING:  # the actor is an account; accounts sit above reference data in the package order
    from budgetcitoyen.accounts.models import User

COMMUNE_COLUMNS = ("insee_code", "name", "postal_codes", "territory_code")


def _shipped(name: str) -> str:
    return resources.files("budgetcitoyen.reference").joinpath(name).read_text(encoding="utf-8")


def _profile_file(profile: str, name: str) -> str:
    """A CSV file of a collectivité's profile (reference/collectivites/<profile>/)."""
    if profile not in profile_names():
        raise DomainError(f"Collectivité « {profile} » inconnue : " + ", ".join(profile_names()) + ".")
    return _shipped(f"collectivites/{profile}/{name}")


def territory_codes(profile: str) -> list[str]:
    """The codes of a profile's territories."""
    return [row["code"] for row in csv.DictReader(io.StringIO(_profile_file(profile, "territories.csv")))]


def arrondissement_territories(profile: str) -> dict[str, str]:
    """The profile's territory code for each COG arrondissement its territories.csv lists (for importing
    the official commune list): {"336": "arcachon", …}."""
    mapping: dict[str, str] = {}
    for row in csv.DictReader(io.StringIO(_profile_file(profile, "territories.csv"))):
        for arrondissement in (row.get("arrondissements") or "").split():
            mapping[arrondissement] = row["code"]
    return mapping


@dataclass(frozen=True)
class LoadReport:
    """What a load changed."""

    territories: int
    communes_added: int
    communes_updated: int
    structure_types: int


def load_reference(session: Session, profile: str = DEFAULT_PROFILE) -> LoadReport:
    """Upsert the structure types and the territories and communes of a collectivité's profile
    (reference/collectivites/<profile>/; idempotent)."""
    territories = _load_territories(session, _profile_file(profile, "territories.csv"))
    types = _load_structure_types(session, _shipped("structure_types.csv"))
    added, updated = import_communes(session, _profile_file(profile, "communes.csv"))
    return LoadReport(territories, added, updated, types)


def _load_territories(session: Session, text: str) -> int:
    existing = set(session.scalars(select(Territory.code)))
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        # An existing territory keeps its name: the admin may have renamed it on purpose.
        if row["code"] not in existing:
            session.add(Territory(code=row["code"], name=row["name"]))
    session.flush()
    return len(rows)


def _load_structure_types(session: Session, text: str) -> int:
    existing = {t.code: t for t in session.scalars(select(StructureType))}
    rows = list(csv.DictReader(io.StringIO(text)))
    for position, row in enumerate(rows):
        grant = row["can_receive_grant"].strip().lower() == "true"
        kind = existing.get(row["code"])
        if kind is None:
            session.add(StructureType(code=row["code"], name=row["name"], can_receive_grant=grant,
                                      position=position))
        else:
            kind.name, kind.can_receive_grant, kind.position = row["name"], grant, position
    session.flush()
    return len(rows)


def import_communes(session: Session, text: str) -> tuple[int, int]:
    """Upsert communes from CSV text with columns insee_code,name,postal_codes,territory_code.

    The whole file is checked before anything is written, so a bad file changes nothing.
    Communes absent from the file are kept: other records (dossiers, voters) may point at them.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or any(column not in reader.fieldnames for column in COMMUNE_COLUMNS):
        raise DomainError("Colonnes attendues : " + ", ".join(COMMUNE_COLUMNS) + ".")
    territories = {t.code: t for t in session.scalars(select(Territory))}
    rows = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        code = (row["insee_code"] or "").strip()
        if len(code) != 5 or not code[:2].isdigit() or code in seen:
            raise DomainError(f"Ligne {line} : code INSEE « {code} » invalide ou en double.")
        if not (row["name"] or "").strip():
            raise DomainError(f"Ligne {line} : nom de commune manquant.")
        if len(row["name"].strip()) > 120 or len(row["postal_codes"] or "") > 120:
            raise DomainError(f"Ligne {line} : nom ou codes postaux trop longs (120 caractères au plus).")
        if row["territory_code"] not in territories:
            raise DomainError(f"Ligne {line} : territoire « {row['territory_code']} » inconnu.")
        postal = " ".join((row["postal_codes"] or "").split())
        if not postal or any(len(p) != 5 or not p.isdigit() for p in postal.split()):
            raise DomainError(f"Ligne {line} : code postal « {row['postal_codes']} » invalide.")
        seen.add(code)
        rows.append((code, row["name"].strip(), postal, territories[row["territory_code"]].id))
    if not rows:
        raise DomainError("Le fichier ne contient aucune commune.")
    existing = {c.insee_code: c for c in session.scalars(select(Commune))}
    added = updated = 0
    for code, name, postal, territory_id in rows:
        commune = existing.get(code)
        if commune is None:
            session.add(Commune(insee_code=code, name=name, postal_codes=postal, territory_id=territory_id))
            added += 1
        elif (commune.name, commune.postal_codes, commune.territory_id) != (name, postal, territory_id):
            commune.name, commune.postal_codes, commune.territory_id = name, postal, territory_id
            updated += 1
    session.flush()
    return added, updated


def import_communes_file(session: Session, path: Path) -> tuple[int, int]:
    """import_communes from a file on disk."""
    return import_communes(session, path.read_text(encoding="utf-8"))


def rename_territory(session: Session, actor: User, territory: Territory, name: str, now: datetime) -> bool:
    """Rename a territory (audited)."""
    name = name.strip()
    if name == territory.name:
        return False
    audit.record(
        session, actor=actor, action="territory.rename", object_type="territory", object_id=territory.id,
        now=now, summary=f"Territoire {territory.code}",
        before={"name": territory.name}, after={"name": name},
    )
    territory.name = name
    session.flush()
    return True


def territory_by_code(session: Session, code: str) -> Territory | None:
    """The territory with this code (the back-office's URLs name territories by code)."""
    return session.scalar(select(Territory).where(Territory.code == code))


def territories_with_counts(session: Session) -> list[tuple[Territory, int]]:
    """Every territory with its number of communes, by name."""
    rows = session.execute(
        select(Territory, func.count(Commune.insee_code))
        .outerjoin(Commune).group_by(Territory.id).order_by(*alphabetically(Territory.name))
    )
    return [(territory, count) for territory, count in rows]


def territory_names(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every territory, by name: the choices of a territory field."""
    return [(i, n) for i, n in session.execute(
        select(Territory.id, Territory.name).order_by(*alphabetically(Territory.name)))]

