#!/usr/bin/env python3
"""Build the reference list of the communes of the Pas-de-Calais (62).

Source
------
The npm package ``@etalab/decoupage-administratif`` published by Etalab
(DINUM). Its data are built from INSEE's Code officiel géographique (COG)
for communes, from the DGCL list of EPCI à fiscalité propre for
intercommunalities and from the La Poste "base officielle des codes postaux"
for postal codes. Its README gives the data licence as Etalab's Licence
Ouverte (version not stated; the current one is 2.0) and MIT for the code.
Fetch and unpack it outside the repository::

    cd "$(mktemp -d)" && npm pack @etalab/decoupage-administratif
    tar xzf etalab-decoupage-administratif-*.tgz   # gives ./package

Method
------
1. Keep the entries of ``data/communes.json`` with ``departement == "62"`` and
   ``type == "commune-actuelle"``; communes déléguées / associées are left
   out because they are not municipalities of their own any more.
2. Give each commune a territory through the EPCI it belongs to
   (``data/epci.json``, field ``membres``), using ``EPCI_TERRITORIES``
   below. EPCIs have been the building blocks of the département's
   8 territories since the 2017 intercommunal reorganisation, so an
   EPCI-based mapping is the most stable one that can be derived from open
   data.
3. Write ``insee_code,name,postal_codes,territory_code`` sorted by INSEE code,
   postal codes separated by a single space.

The script stops with an error on any EPCI holding 62 communes that is not
in the mapping, on any commune without a territory or with two, and on any
postal code outside the 62xxx range: a silent fallback would put citizens in
the wrong territory, which is worse than no file at all.

Usage::

    python scripts/build_communes.py PATH_TO_UNPACKED_PACKAGE_DIR OUTPUT_CSV

Standard library only (Python 3.11).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NoReturn

DEPARTEMENT = "62"

TERRITORIES = {
    "arrageois": "Arrageois",
    "artois": "Artois",
    "audomarois": "Audomarois",
    "boulonnais": "Boulonnais",
    "calaisis": "Calaisis",
    "lens-henin": "Lens-Hénin",
    "montreuillois": "Montreuillois",
    "ternois": "Ternois",
}

# Keys are EPCI names as written in the package; they go through
# normalize_epci_name() before matching, because the spelling of hyphens,
# spaces and accents changes between yearly releases (e.g. "CA de Lens -
# Liévin", "CC du Sud Artois" vs "Sud-Artois", "CC Osartis Marquion").
# SIREN codes (package 6.0.0) are noted to help when a name changes.
EPCI_TERRITORIES = {
    # Arrageois
    "CU d'Arras": "arrageois",  # 200033579
    "CC des Campagnes de l'Artois": "arrageois",  # 200069482
    "CC du Sud-Artois": "arrageois",  # 200035442
    "CC Osartis-Marquion": "arrageois",  # 200044048
    # Artois
    "CA de Béthune-Bruay, Artois-Lys Romane": "artois",  # 200072460
    # Straddles the Nord border; only its Pas-de-Calais members are kept.
    "CC Flandre Lys": "artois",  # 245900758
    # Audomarois
    "CA du Pays de Saint-Omer": "audomarois",  # 200069037
    "CC du Pays de Lumbres": "audomarois",  # 246201016
    # Boulonnais
    "CA du Boulonnais": "boulonnais",  # 246200729
    "CC de Desvres-Samer": "boulonnais",  # 200018083
    "CC de la Terre des Deux Caps": "boulonnais",  # 246200380
    # Calaisis
    "CA Grand Calais Terres et Mers": "calaisis",  # 200090751
    "CC Pays d'Opale": "calaisis",  # 200072478
    "CC de la Région d'Audruicq": "calaisis",  # 246200844
    # Lens-Hénin
    "CA de Lens-Liévin": "lens-henin",  # 246200364
    "CA d'Hénin-Carvin": "lens-henin",  # 246200299
    # Montreuillois
    "CA des Deux Baies en Montreuillois": "montreuillois",  # 200069029
    "CC du Haut Pays du Montreuillois": "montreuillois",  # 200069235
    "CC des 7 Vallées": "montreuillois",  # 200044030
    # Ternois (also has one Somme member, Vitz-sur-Authie, dropped by the
    # département filter)
    "CC du Ternois": "ternois",  # 200069672
}

FIELDNAMES = ["insee_code", "name", "postal_codes", "territory_code"]


def normalize_epci_name(name: str) -> str:
    """Fold case, accents and punctuation so cosmetic renames still match."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.split(r"[^a-z0-9]+", ascii_name.lower())).strip()


def fail(message: str) -> NoReturn:
    sys.exit(f"build_communes: error: {message}")


def load_json(path: Path):
    if not path.is_file():
        fail(f"{path} not found; pass the unpacked package directory")
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def build(package_dir: Path) -> list[dict[str, str]]:
    data_dir = package_dir / "data"
    communes = load_json(data_dir / "communes.json")
    epcis = load_json(data_dir / "epci.json")

    mapping = {normalize_epci_name(k): v for k, v in EPCI_TERRITORIES.items()}
    if len(mapping) != len(EPCI_TERRITORIES):
        fail("two EPCI names in EPCI_TERRITORIES normalize to the same key")
    unknown = set(mapping.values()) - TERRITORIES.keys()
    if unknown:
        fail(f"EPCI_TERRITORIES uses unknown territory codes: {sorted(unknown)}")

    selected = {
        c["code"]: c
        for c in communes
        if c.get("departement") == DEPARTEMENT and c.get("type") == "commune-actuelle"
    }
    if not selected:
        fail(f"no current commune found for département {DEPARTEMENT}")

    territory_of: dict[str, str] = {}
    epci_of: dict[str, str] = {}
    unmapped: list[str] = []
    used_keys: set[str] = set()
    print(f"EPCIs with communes of département {DEPARTEMENT}:", file=sys.stderr)
    for epci in sorted(epcis, key=lambda e: e["nom"]):
        members = [m["code"] for m in epci.get("membres", []) if m["code"] in selected]
        if not members:
            continue
        key = normalize_epci_name(epci["nom"])
        territory = mapping.get(key)
        print(
            f"  {epci['code']}  {epci['nom']}: {len(members)} communes -> {territory or 'UNMAPPED'}",
            file=sys.stderr,
        )
        if territory is None:
            unmapped.append(f"{epci['code']} {epci['nom']!r}")
            continue
        used_keys.add(key)
        for code in members:
            if code in epci_of:
                fail(f"commune {code} is in two EPCIs: {epci_of[code]} and {epci['nom']}")
            epci_of[code] = epci["nom"]
            territory_of[code] = territory

    if unmapped:
        fail("EPCI(s) not in EPCI_TERRITORIES, add them after checking their seat: " + "; ".join(unmapped))
    # A mapping entry that no longer matches anything means an EPCI was
    # renamed or merged; its communes would otherwise be reported only
    # indirectly as "without territory".
    stale = sorted(k for k in EPCI_TERRITORIES if normalize_epci_name(k) not in used_keys)
    if stale:
        print(f"warning: unused EPCI_TERRITORIES entries: {stale}", file=sys.stderr)

    missing = sorted(set(selected) - territory_of.keys())
    if missing:
        names = ", ".join(f"{c} {selected[c]['nom']}" for c in missing)
        fail(f"{len(missing)} commune(s) without territory: {names}")

    rows = []
    for code in sorted(selected):
        commune = selected[code]
        postal_codes = sorted(set(commune.get("codesPostaux") or []))
        if not postal_codes:
            fail(f"commune {code} {commune['nom']} has no postal code")
        off = [p for p in postal_codes if not p.startswith(DEPARTEMENT)]
        if off:
            fail(f"commune {code} {commune['nom']} has postal codes outside 62: {off}")
        rows.append(
            {
                "insee_code": code,
                "name": commune["nom"],
                "postal_codes": " ".join(postal_codes),
                "territory_code": territory_of[code],
            }
        )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        print(
            "usage: build_communes.py PATH_TO_UNPACKED_PACKAGE_DIR OUTPUT_CSV",
            file=sys.stderr,
        )
        return 2
    package_dir, output = Path(argv[1]), Path(argv[2])

    version = "unknown"
    package_json = package_dir / "package.json"
    if package_json.is_file():
        meta = load_json(package_json)
        version = f"{meta.get('name')}@{meta.get('version')}"

    rows = build(package_dir)

    output.parent.mkdir(parents=True, exist_ok=True)
    # "\n" line endings keep diffs readable when the file is regenerated.
    with output.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDNAMES, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    per_territory = Counter(r["territory_code"] for r in rows)
    print(f"source: {version}", file=sys.stderr)
    print(f"wrote {len(rows)} communes to {output}", file=sys.stderr)
    for code in TERRITORIES:
        print(f"  {code}: {per_territory.get(code, 0)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
