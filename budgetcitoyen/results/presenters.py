"""What the public results show, in French: the ranking rows, the rule in words, the charts, the files
to recompute the outcome, the pages and the open data.

Built for the views from the stored result (budgetcitoyen.results.services reads it); nothing here
changes anything. The back office's figures are in admin_presenters.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.clock import local_zone
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.french import euros, file_size, number
from budgetcitoyen.results import charts, figures
from budgetcitoyen.results.figures import CHART_NAMES as CHART_NAMES
from budgetcitoyen.results.figures import RankingRow as RankingRow
from budgetcitoyen.results.figures import ranking_rows as ranking_rows
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.results.services import CSV_NAME, PB_NAME, file_key
from budgetcitoyen.storage import Storage
from budgetcitoyen.voting import rules as vote_rules
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.figures import Participation
from budgetcitoyen.voting.rules import last_vote_day
from budgetcitoyen.web import external_url

OPEN_LICENCE = "Licence Ouverte / Open Licence 2.0"

TIE_BREAK_TEXTS = {
    "edition": "plus de voix, puis le montant le plus bas, puis le dossier déposé le plus tôt, puis le plus "
               "petit numéro d'initiative",
    "id": "le plus petit identifiant de projet (comparé comme un texte)",
}
UTILITY_TEXTS = {
    "cost": "satisfaction d'un votant mesurée en euros (le coût des initiatives qu'il soutient et qui sont "
            "financées)",
    "card": "satisfaction d'un votant mesurée en nombre d'initiatives qu'il soutient et qui sont financées",
}
FILE_FORMATS = {
    # Bare types: Werkzeug adds "; charset=utf-8" to any text/ type (given here, it was sent twice).
    "pb": ("Bulletins au format Pabulib (.pb)", "text/plain"),
    "csv": ("Bulletins en tableau (.csv)", "text/csv"),
}
MES_RULES = (AllocationRule.MES.value, AllocationRule.MES_RAW.value)


# --- the ranking, the rule, the charts and the files -------------------------------------------


def rule_label(rule: str) -> str | None:
    """The short French name of a rule, None for a rule this version does not know."""
    known = rule in {r.value for r in AllocationRule}
    return AllocationRule(rule).label if known else None


def rule_description(edition: Edition, settings: dict[str, Any], rule: str) -> dict[str, Any]:
    """The rule and its settings in words: a label, a paragraph, and (term, value) pairs."""
    names = {c.code: c.name for c in edition.categories}
    items: list[tuple[str, str]] = []
    threshold = int(settings.get("threshold") or 0)
    items.append(("Seuil de voix", f"au moins {number(threshold)} voix pour être financée" if threshold
                  else "aucun : toute initiative peut être financée, quel que soit son nombre de voix"))
    if rule in MES_RULES:
        items.append(("Mesure de la satisfaction", UTILITY_TEXTS.get(str(settings.get("utility")), "—")))
    for term, key in (("Plafond par catégorie", "ceilings"), ("Sous-enveloppes réservées", "sub_envelopes")):
        amounts = settings.get(key) or {}
        if amounts:
            items.append((term, " ; ".join(f"{names.get(code, code)} : {euros(Decimal(amount))}"
                                          for code, amount in amounts.items())))
    tie_break = str(settings.get("tie_break") or "edition")
    items.append(("En cas d'égalité", TIE_BREAK_TEXTS.get(tie_break, tie_break)))
    label = rule_label(rule)
    details = AllocationRule(rule).details if label else ""
    return {"code": rule, "label": label or rule, "details": details, "lines": items}


def recompute_command(result: AllocationResult, year: int) -> str:
    """The command that gives back the outcome from the published .pb file."""
    settings = result.settings or {}
    parts = ["budgetcitoyen allocate", f"--pb {PB_NAME.format(year=year)}", f"--rule {result.rule}",
             f"--tie-break {settings.get('tie_break') or 'edition'}"]
    threshold = int(settings.get("threshold") or 0)
    if threshold:
        parts.append(f"--threshold {threshold}")
    if result.rule in MES_RULES and settings.get("utility") == "card":
        parts.append("--utility card")
    parts.append("--json")
    return " ".join(parts)


def published_figures(session: Session, edition: Edition, result: AllocationResult,
                      stored: Storage) -> figures.Figures:
    """The figures frozen at publication; for a result published before they were stored, the same
    figures counted now (the files' sizes asked of the storage)."""
    frozen = figures.frozen_figures(session, result)
    if frozen is not None:
        return frozen
    year = edition.year
    sizes = {kind: stored.size(file_key(year, file_name(kind, year))) for kind in FILE_FORMATS}
    return figures.count(session, edition, result, sizes)


def file_name(kind: str, year: int) -> str:
    return (PB_NAME if kind == "pb" else CSV_NAME).format(year=year)


def file_kinds(year: int) -> dict[str, str]:
    """The published files' names, and the kind of each."""
    return {file_name(kind, year): kind for kind in FILE_FORMATS}


def published_files(result: AllocationResult, year: int,
                    sizes: dict[str, int | None]) -> list[dict[str, Any]]:
    """The two files anyone can download to recompute the outcome, with their SHA-256."""
    files = []
    for kind, digest in (("pb", result.ballots_pb_sha256), ("csv", result.ballots_csv_sha256)):
        size = sizes.get(kind)
        files.append({"kind": kind, "name": file_name(kind, year), "label": FILE_FORMATS[kind][0],
                      "sha256": digest, "size": size,
                      "size_label": file_size(size) if size is not None else ""})
    return files


# --- the public pages and the open data --------------------------------------------------------


def pending_page(edition: Edition, now: datetime) -> dict[str, Any]:
    """Before the publication: when the vote ends and when the results are announced."""
    vote, announced = edition.window(Phase.VOTE), edition.window(Phase.RESULTS)
    return {
        "edition": edition, "vote": vote, "vote_status": vote_rules.vote_window_status(edition, now),
        "last_day": last_vote_day(vote.ends_at, local_zone()) if vote else None,
        "announced": announced if announced is not None and announced.starts_at > now else None,
    }


def results_page(session: Session, edition: Edition, result: AllocationResult,
                 stored: Storage) -> dict[str, Any]:
    """The published results: ranking, figures, charts, the rule in words, the files and the command."""
    counted = published_figures(session, edition, result, stored)
    rows, participation = counted.rows, counted.participation
    return {
        "edition": edition, "result": result, "rows": rows, "figures": participation,
        "winners": sum(1 for r in rows if r.funded), "specs": figures.chart_specs(result, counted),
        "ages": figures.age_rows(participation),
        "rule": rule_description(edition, result.settings or {}, result.rule),
        "files": published_files(result, edition.year, counted.file_sizes),
        "command": recompute_command(result, edition.year),
        "selected": sorted((r for r in rows if r.funded), key=lambda r: (r.position or 0, r.rank)),
        "link_initiatives": edition.catalogue_published, "share": charts.share,
    }


def _open_initiative(edition: Edition, result: AllocationResult, r: RankingRow) -> dict[str, Any]:
    return {
        "id": r.initiative_id,
        "titre": r.title,
        "territoire": r.territory,
        "categorie": r.category,
        "rang": r.rank,
        "voix": r.votes,
        "part_des_votants": round(r.votes / result.voters, 4) if result.voters else None,
        "montant_demande": str(r.asked),
        "montant_accorde": str(r.granted),
        "financee": r.funded,
        "ordre_de_financement": r.position,
        "explication": r.explanation,
        "url": external_url("catalogue.show", initiative_id=r.initiative_id) if edition.catalogue_published
        else None,
    }


def _open_participation(counted: Participation) -> dict[str, Any]:
    return {
        "bulletins_comptes": counted.total,
        "par_territoire": [{"territoire": name, "votants": n} for name, n in counted.by_territory],
        "par_canal": {channel: counted.by_channel.get(channel, 0) for channel in sorted(counted.by_channel)},
        "par_tranche_age": [{"tranche": name, "libelle": AGE_BAND_LABELS[name],
                             "votants": counted.by_age_band.get(name, 0)} for _, _, name in AGE_BANDS],
    }


def open_data(session: Session, edition: Edition, result: AllocationResult,
              stored: Storage) -> dict[str, Any]:
    """The published allocation as open data, with the participation and the files to recompute it."""
    counted = published_figures(session, edition, result, stored)
    rows = counted.rows
    settings = result.settings or {}
    return {
        "edition": edition.year,
        "titre": edition.title,
        "licence": OPEN_LICENCE,
        "source": external_url("results.show", year=edition.year),
        "publie_le": result.published_at.isoformat() if result.published_at else None,
        "regle": result.rule,
        "regle_libelle": rule_description(edition, settings, result.rule)["label"],
        "parametres": settings,
        "enveloppe": str(result.envelope),
        "attribue": str(result.spent),
        "reste": str(result.remaining),
        "votants": result.voters,
        "laureates": sum(1 for r in rows if r.funded),
        "participation": _open_participation(counted.participation),
        "initiatives": [_open_initiative(edition, result, r) for r in rows],
        "fichiers": [
            {"nom": f["name"], "format": "pabulib" if f["kind"] == "pb" else "csv", "sha256": f["sha256"],
             "octets": f["size"], "url": external_url("results.download", year=edition.year, file=f["name"])}
            for f in published_files(result, edition.year, counted.file_sizes)
        ],
        "recalcul": recompute_command(result, edition.year),
    }
