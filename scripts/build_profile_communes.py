#!/usr/bin/env python3
"""Build a collectivité's commune list with one territory per arrondissement, and a COG-format extract.

For a département whose own territorial division is not published as open data, the arrondissements of
INSEE's Code officiel géographique (COG) are the official division at hand: this script gives each
current commune of the département the territory of its arrondissement, from the npm package
``@etalab/decoupage-administratif`` (COG communes and arrondissements, La Poste postal codes; data under
Etalab's Licence Ouverte), unpacked outside the repository::

    cd "$(mktemp -d)" && npm pack @etalab/decoupage-administratif@6.0.0 && tar xzf etalab-*.tgz

Usage::

    python scripts/build_profile_communes.py communes PACKAGE_DIR DEP TERRITORIES_CSV OUTPUT_CSV
    python scripts/build_profile_communes.py cog-extract PACKAGE_DIR OUTPUT_CSV DEP:ARR[,ARR…] …

``communes`` reads TERRITORIES_CSV (``code,name,arrondissements``) and writes
``insee_code,name,postal_codes,territory_code``; it stops if an arrondissement of the département has no
territory or two. ``cog-extract`` writes the COG's own columns (``TYPECOM,COM,REG,DEP,ARR,LIBELLE,
COMPARENT``) for the communes of the arrondissements named, current communes (COM) and their communes
déléguées (COMD), as a small real test file for ``budgetcitoyen reference import-cog``.
Standard library only (Python 3.11).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path


def _communes(package: Path) -> list[dict]:
    return json.loads((package / "data" / "communes.json").read_text(encoding="utf-8"))


def build_communes(package: Path, departement: str, territories_csv: Path, output: Path) -> None:
    with territories_csv.open(encoding="utf-8") as handle:
        territories = list(csv.DictReader(handle))
    territory_of: dict[str, str] = {}
    for row in territories:
        for arrondissement in row["arrondissements"].split():
            if arrondissement in territory_of:
                sys.exit(f"arrondissement {arrondissement} in two territories")
            territory_of[arrondissement] = row["code"]
    rows = []
    for commune in _communes(package):
        if commune.get("departement") != departement or commune.get("type") != "commune-actuelle":
            continue
        territory = territory_of.get(commune.get("arrondissement", ""))
        if territory is None:
            sys.exit(f"{commune['code']} {commune['nom']}: arrondissement {commune.get('arrondissement')} "
                     "has no territory")
        postal = " ".join(sorted(commune.get("codesPostaux") or []))
        if not postal:
            sys.exit(f"{commune['code']} {commune['nom']}: no postal code")
        rows.append((commune["code"], commune["nom"], postal, territory))
    rows.sort()
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["insee_code", "name", "postal_codes", "territory_code"])
        writer.writerows(rows)
    print(f"{len(rows)} communes written to {output}")


def build_cog_extract(package: Path, output: Path, selections: list[str]) -> None:
    wanted = set()
    for selection in selections:
        departement, arrondissements = selection.split(":")
        wanted.update((departement, a) for a in arrondissements.split(","))
    rows = []
    for commune in _communes(package):
        key = (commune.get("departement"), commune.get("arrondissement"))
        if key not in wanted:
            continue
        if commune["type"] == "commune-actuelle":
            rows.append(("COM", commune["code"], commune["region"], commune["departement"],
                         commune["arrondissement"], commune["nom"], ""))
        elif commune["type"] == "commune-deleguee":
            rows.append(("COMD", commune["code"], "", "", "", commune["nom"], commune["chefLieu"]))
    rows.sort(key=lambda row: (row[1], row[0] != "COM"))
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["TYPECOM", "COM", "REG", "DEP", "ARR", "LIBELLE", "COMPARENT"])
        writer.writerows(rows)
    print(f"{len(rows)} rows written to {output}")


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "communes":
        build_communes(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]), Path(sys.argv[5]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "cog-extract":
        build_cog_extract(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4:])
    else:
        sys.exit(__doc__)
