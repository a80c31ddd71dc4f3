"""Importing communes from INSEE's Code officiel géographique (COG), for any département or région.

The COG's commune list (« v_commune_AAAA.csv », comma-separated, UTF-8) holds every commune of France
with its type (COM: current commune; COMD, COMA: communes déléguées and associées, parts of a current
one), INSEE code, région, département, arrondissement and name. It holds no postal code: those come from
La Poste's « base officielle des codes postaux » when given, else a known commune keeps its own.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from budgetcitoyen.errors import DomainError
from budgetcitoyen.reference.models import Commune, Territory

COG_COLUMNS = ("TYPECOM", "COM", "REG", "DEP", "ARR", "LIBELLE")
# INSEE codes of départements: 01…95, 2A and 2B, 971…976; of régions: two digits.
ZONES = ("departement", "region")


@dataclass(frozen=True)
class CogImport:
    """What an import changed."""

    added: int
    updated: int
    unchanged: int
    skipped_other_types: int  # communes déléguées and associées of the zone


def _reader(text: str) -> csv.DictReader[str]:
    text = text.lstrip("\ufeff")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return csv.DictReader(io.StringIO(text), delimiter=delimiter)


def postal_codes_from_la_poste(text: str) -> dict[str, list[str]]:
    """INSEE code → sorted postal codes, from La Poste's base (either of its published headers:
    « #Code_commune_INSEE;…;Code_postal;… » or « code_commune_insee,…,code_postal,… »)."""
    reader = _reader(text)
    fields = {name.strip().lstrip("#").lower(): name for name in reader.fieldnames or []}
    if "code_commune_insee" not in fields or "code_postal" not in fields:
        raise DomainError("Fichier des codes postaux : colonnes code_commune_insee et code_postal attendues.")
    codes: dict[str, set[str]] = {}
    for row in reader:
        insee = (row[fields["code_commune_insee"]] or "").strip()
        postal = (row[fields["code_postal"]] or "").strip().zfill(5)
        if insee and postal.isdigit() and len(postal) == 5:
            codes.setdefault(insee, set()).add(postal)
    return {insee: sorted(values) for insee, values in codes.items()}


def import_cog(session: Session, text: str, zone: str, code: str, arrondissements: dict[str, str],
               postal_codes: dict[str, list[str]] | None = None) -> CogImport:
    """Upsert the current communes (TYPECOM = COM) of one département or région from the COG's list.

    A commune already known keeps its territory (the collectivité may have drawn its territories
    otherwise than the arrondissements) and, without a postal file, its postal codes; a new commune gets
    the territory of its arrondissement (`arrondissements`: COG arrondissement → territory code). The
    whole file is checked first: a commune left without a territory changes nothing and is named."""
    if zone not in ZONES:
        raise DomainError("Indiquez un département ou une région.")
    code = code.strip().upper()
    column = "DEP" if zone == "departement" else "REG"
    reader = _reader(text)
    if reader.fieldnames is None or any(name not in reader.fieldnames for name in COG_COLUMNS):
        raise DomainError("Ce fichier n'est pas la liste des communes du COG : colonnes attendues "
                          + ", ".join(COG_COLUMNS) + ".")
    territories = {t.code: t.id for t in session.scalars(select(Territory))}
    existing = {c.insee_code: c for c in session.scalars(select(Commune))}
    rows: list[tuple[str, str, str, int]] = []
    homeless: list[str] = []
    current_codes: set[str] = set()
    for line, row in enumerate(reader, start=2):
        kind = (row["TYPECOM"] or "").strip()
        if kind != "COM":
            continue  # communes déléguées and associées: parts of a current commune
        if (row[column] or "").strip().upper() != code:
            continue
        insee = (row["COM"] or "").strip()
        name = (row["LIBELLE"] or "").strip()
        if len(insee) != 5 or insee in current_codes or not name or len(name) > 120:
            raise DomainError(f"Ligne {line} : code INSEE « {insee} » ou nom invalide, ou en double.")
        current_codes.add(insee)
        known = existing.get(insee)
        if postal_codes is not None and insee in postal_codes:
            postal = " ".join(postal_codes[insee])
        else:
            postal = known.postal_codes if known is not None else ""
        if known is not None:
            territory_id = known.territory_id
        else:
            territory_code = arrondissements.get((row["ARR"] or "").strip())
            if territory_code not in territories:
                homeless.append(f"{insee} {name} (arrondissement {row['ARR'] or '?'})")
                continue
            territory_id = territories[territory_code]
        rows.append((insee, name, postal, territory_id))
    if homeless:
        shown = ", ".join(homeless[:10]) + (f" et {len(homeless) - 10} autres" if len(homeless) > 10 else "")
        raise DomainError(f"{len(homeless)} commune(s) sans territoire : {shown}. Indiquez le territoire "
                          "de leur arrondissement (colonne arrondissements de territories.csv).")
    if not rows:
        label = "le département" if zone == "departement" else "la région"
        raise DomainError(f"Le fichier ne contient aucune commune pour {label} {code}.")
    # Communes déléguées carry no DEP in the COG: they are the zone's when their parent is.
    other_types = sum(1 for row in _reader(text) if (row.get("TYPECOM") or "").strip() in ("COMD", "COMA")
                      and (row.get("COMPARENT") or "").strip() in current_codes)
    added = updated = unchanged = 0
    for insee, name, postal, territory_id in rows:
        commune = existing.get(insee)
        if commune is None:
            session.add(Commune(insee_code=insee, name=name, postal_codes=postal, territory_id=territory_id))
            added += 1
        elif (commune.name, commune.postal_codes) != (name, postal):
            commune.name, commune.postal_codes = name, postal
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return CogImport(added, updated, unchanged, other_types)
