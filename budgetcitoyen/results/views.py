"""Public results of an edition (/resultats/<year>): ranking, charts, files to recompute, open data.

Nothing is shown before the Mission ESS publishes: the page then says when the results come, and
the charts, files and JSON answer 404. Once published, a result never changes (the service refuses
to publish twice or to recompute), so its charts are drawn once and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, abort, current_app, jsonify, render_template, send_file
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.allocation import AllocationRule
from budgetcitoyen.clock import local_zone, now_utc
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.editions.rules import Phase
from budgetcitoyen.editions.services import current_edition
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.results import charts
from budgetcitoyen.results.models import AllocationDecision, AllocationResult
from budgetcitoyen.results.services import CSV_NAME, PB_NAME, result_of, results_folder
from budgetcitoyen.voting import services as voting
from budgetcitoyen.voting.eligibility import AGE_BAND_LABELS, AGE_BANDS
from budgetcitoyen.voting.rules import last_vote_day
from budgetcitoyen.web import Access, access, db, external_url

bp = Blueprint("results", __name__)

CHART_NAMES = ("voix", "enveloppe", "participation-territoires", "participation-ages")
OPEN_LICENCE = "Licence Ouverte / Open Licence 2.0"

TIE_BREAK_TEXTS = {
    "edition": "plus de voix, puis le montant le plus bas, puis le dossier déposé le plus tôt, puis le plus "
               "petit numéro d'initiative",
    "id": "le plus petit identifiant de projet (comparé comme un texte)",
}
UTILITY_TEXTS = {
    "cost": "satisfaction d'un votant mesurée en euros (le coût des initiatives qu'il soutient et qui sont financées)",
    "card": "satisfaction d'un votant mesurée en nombre d'initiatives qu'il soutient et qui sont financées",
}
FILE_FORMATS = {
    "pb": ("Bulletins au format Pabulib (.pb)", "text/plain; charset=utf-8"),
    "csv": ("Bulletins en tableau (.csv)", "text/csv; charset=utf-8"),
}


# --- what the pages show, shared with the back-office preview --------------------------------


@dataclass(frozen=True)
class RankingRow:
    """One line of the ranking table."""

    rank: int
    initiative: Initiative
    votes: int
    share: str
    asked: Decimal
    granted: Decimal
    funded: bool
    position: int | None
    explanation: str


def decisions_of(session: Session, result: AllocationResult) -> list[AllocationDecision]:
    """The decisions in ranking order, with what the table shows of each initiative."""
    return list(session.scalars(
        select(AllocationDecision).where(AllocationDecision.result_id == result.id)
        .options(selectinload(AllocationDecision.initiative).selectinload(Initiative.territory),
                 selectinload(AllocationDecision.initiative).selectinload(Initiative.category),
                 selectinload(AllocationDecision.initiative).selectinload(Initiative.structure_type))
        .order_by(AllocationDecision.rank, AllocationDecision.id)
    ))


def ranking_rows(result: AllocationResult, decisions: list[AllocationDecision]) -> list[RankingRow]:
    return [
        RankingRow(rank=d.rank, initiative=d.initiative, votes=d.votes, share=charts.share(d.votes, result.voters),
                   asked=d.asked, granted=d.granted, funded=d.funded, position=d.position,
                   explanation=d.explanation)
        for d in decisions
    ]


def rule_description(edition: Edition, settings: dict[str, Any], rule: str) -> dict[str, Any]:
    """The rule and its settings in words: a label, a paragraph, and (term, value) pairs."""
    names = {c.code: c.name for c in edition.categories}
    known = rule in {r.value for r in AllocationRule}
    items: list[tuple[str, str]] = []
    threshold = int(settings.get("threshold") or 0)
    items.append(("Seuil de voix", f"au moins {charts.count(threshold)} voix pour être financée" if threshold
                  else "aucun : toute initiative peut être financée, quel que soit son nombre de voix"))
    if rule in (AllocationRule.MES.value, AllocationRule.MES_RAW.value):
        items.append(("Mesure de la satisfaction", UTILITY_TEXTS.get(str(settings.get("utility")), "—")))
    ceilings = settings.get("ceilings") or {}
    if ceilings:
        items.append(("Plafond par catégorie", " ; ".join(
            f"{names.get(code, code)} : {charts.euros(amount)}" for code, amount in ceilings.items())))
    sub_envelopes = settings.get("sub_envelopes") or {}
    if sub_envelopes:
        items.append(("Sous-enveloppes réservées", " ; ".join(
            f"{names.get(code, code)} : {charts.euros(amount)}" for code, amount in sub_envelopes.items())))
    tie_break = str(settings.get("tie_break") or "edition")
    items.append(("En cas d'égalité", TIE_BREAK_TEXTS.get(tie_break, tie_break)))
    return {
        "code": rule,
        "label": AllocationRule(rule).label if known else rule,
        "details": AllocationRule(rule).details if known else "",
        "lines": items,
    }


def recompute_command(result: AllocationResult, year: int) -> str:
    """The command that gives back the outcome from the published .pb file."""
    settings = result.settings or {}
    parts = ["budgetcitoyen allocate", f"--pb {PB_NAME.format(year=year)}", f"--rule {result.rule}",
             f"--tie-break {settings.get('tie_break') or 'edition'}"]
    threshold = int(settings.get("threshold") or 0)
    if threshold:
        parts.append(f"--threshold {threshold}")
    if result.rule in (AllocationRule.MES.value, AllocationRule.MES_RAW.value) and settings.get("utility") == "card":
        parts.append("--utility card")
    parts.append("--json")
    return " ".join(parts)


def chart_specs(result: AllocationResult, rows: list[RankingRow],
                figures: voting.Participation) -> dict[str, charts.ChartSpec]:
    """The four charts of the page, from the stored result and the counted ballots."""
    return {
        "voix": charts.votes_chart([(r.initiative.title, r.votes, r.funded) for r in rows], result.voters),
        "enveloppe": charts.envelope_chart(result.envelope, result.spent, result.remaining),
        "participation-territoires": charts.participation_chart(
            "Votants par territoire (commune de résidence)", "territoire", list(figures.by_territory)),
        "participation-ages": charts.participation_chart(
            "Votants par tranche d'âge", "tranche d'âge", age_rows(figures)),
    }


def age_rows(figures: voting.Participation) -> list[tuple[str, int]]:
    return [(AGE_BAND_LABELS[name], figures.by_age_band.get(name, 0)) for _, _, name in AGE_BANDS]


def file_name(kind: str, year: int) -> str:
    return (PB_NAME if kind == "pb" else CSV_NAME).format(year=year)


def published_files(result: AllocationResult, year: int) -> list[dict[str, Any]]:
    """The two files anyone can download to recompute the outcome, with their SHA-256."""
    folder = results_folder(current_app.instance_path, year)
    files = []
    for kind, digest in (("pb", result.ballots_pb_sha256), ("csv", result.ballots_csv_sha256)):
        name = file_name(kind, year)
        path = folder / name
        size = path.stat().st_size if path.is_file() else None
        files.append({"kind": kind, "name": name, "label": FILE_FORMATS[kind][0], "sha256": digest,
                      "size": size, "size_label": size_label(size) if size is not None else ""})
    return files


def size_label(size: int) -> str:
    """« 842 octets », « 12,3 ko », « 4,5 Mo » (powers of 1000, as file managers show them)."""
    if size < 1000:
        return f"{size} octet{'s' if size > 1 else ''}"
    for unit, scale in (("ko", 1000), ("Mo", 1000**2), ("Go", 1000**3)):
        if size < scale * 1000 or unit == "Go":
            return f"{format_decimal(size / scale, format='#,##0.0', locale='fr_FR')} {unit}"
    raise AssertionError("unreachable")


# --- lookups ------------------------------------------------------------------------------------


def _edition_or_404(year: int) -> Edition:
    edition = db().scalar(select(Edition).where(Edition.year == year, Edition.is_published.is_(True)))
    if edition is None:
        abort(404)
    return edition


def _published_or_404(edition: Edition) -> AllocationResult:
    result = result_of(db(), edition)
    if result is None or result.published_at is None:
        abort(404)
    return result


def published_results_year() -> int | None:
    """The year of the current edition when its results are published (for the home page's link)."""
    session = db()
    edition = current_edition(session)
    if edition is None:
        return None
    result = result_of(session, edition)
    return edition.year if result is not None and result.published_at is not None else None


@bp.app_context_processor
def _results_link() -> dict[str, Any]:
    # A function, not a value: only the pages that show the link pay for the query.
    return {"published_results_year": published_results_year}


# --- pages ----------------------------------------------------------------------------------------


@bp.route("/resultats/<int:year>")
@access(Access.PUBLIC)
def show(year: int) -> Any:
    """The published results, or a page saying when they come."""
    session = db()
    edition = _edition_or_404(year)
    result = result_of(session, edition)
    if result is None or result.published_at is None:
        now = now_utc()
        vote = edition.window(Phase.VOTE)
        announced = edition.window(Phase.RESULTS)
        return render_template(
            "results/pending.html", edition=edition, vote=vote,
            vote_status=voting.vote_window_status(edition, now),
            last_day=last_vote_day(vote.ends_at, local_zone()) if vote else None,
            announced=announced if announced is not None and announced.starts_at > now else None,
        )
    rows = ranking_rows(result, decisions_of(session, result))
    figures = voting.participation(session, edition)
    return render_template(
        "results/show.html", edition=edition, result=result, rows=rows, figures=figures,
        winners=sum(1 for r in rows if r.funded), specs=chart_specs(result, rows, figures),
        ages=age_rows(figures), rule=rule_description(edition, result.settings or {}, result.rule),
        files=published_files(result, year), command=recompute_command(result, year),
        selected=sorted((r for r in rows if r.funded), key=lambda r: (r.position or 0, r.rank)),
        link_initiatives=edition.catalogue_published, share=charts.share, count=charts.count,
    )


@bp.route("/resultats/<int:year>/graphiques/<name>.svg")
@access(Access.PUBLIC)
def chart(year: int, name: str) -> Any:
    """One chart of the published results, as SVG (drawn once, then served from the cache)."""
    if name not in CHART_NAMES:
        abort(404)
    session = db()
    edition = _edition_or_404(year)
    result = _published_or_404(edition)
    spec = chart_specs(result, ranking_rows(result, decisions_of(session, result)),
                       voting.participation(session, edition))[name]
    cache = charts.ChartCache(Path(current_app.instance_path) / "results-charts")
    response = send_file(cache.get(spec), mimetype=charts.MIMETYPE, max_age=0)
    response.headers["Cache-Control"] = "public, max-age=3600"
    # Opened on its own ("Agrandir"), the SVG is a document: matplotlib's inline <style> must apply,
    # and nothing else may load or run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/resultats/<int:year>/<file>")
@access(Access.PUBLIC)
def download(year: int, file: str) -> Any:
    """The anonymised ballots as published (.pb or .csv), to recompute the outcome."""
    kinds = {file_name(kind, year): kind for kind in FILE_FORMATS}
    if file not in kinds:
        abort(404)
    edition = _edition_or_404(year)
    _published_or_404(edition)
    path = results_folder(current_app.instance_path, year) / file
    if not path.is_file():
        current_app.logger.error("published results file missing: %s", path)
        abort(404)
    response = send_file(path, mimetype=FILE_FORMATS[kinds[file]][1], as_attachment=True, download_name=file,
                         max_age=0)
    # Published files never change (publishing twice is refused).
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/api/editions/<int:year>/results.json")
@access(Access.PUBLIC)
def open_data(year: int) -> Any:
    """Open data: the published allocation, with the participation and the files to recompute it."""
    session = db()
    edition = _edition_or_404(year)
    result = _published_or_404(edition)
    rows = ranking_rows(result, decisions_of(session, result))
    figures = voting.participation(session, edition)
    settings = result.settings or {}
    response = jsonify({
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
        "participation": {
            "bulletins_comptes": figures.total,
            "par_territoire": [{"territoire": name, "votants": n} for name, n in figures.by_territory],
            "par_canal": {channel: figures.by_channel.get(channel, 0) for channel in sorted(figures.by_channel)},
            "par_tranche_age": [{"tranche": name, "libelle": AGE_BAND_LABELS[name],
                                 "votants": figures.by_age_band.get(name, 0)} for _, _, name in AGE_BANDS],
        },
        "initiatives": [
            {
                "id": r.initiative.id,
                "titre": r.initiative.title,
                "territoire": r.initiative.territory.name if r.initiative.territory else None,
                "categorie": r.initiative.category.name if r.initiative.category else None,
                "rang": r.rank,
                "voix": r.votes,
                "part_des_votants": round(r.votes / result.voters, 4) if result.voters else None,
                "montant_demande": str(r.asked),
                "montant_accorde": str(r.granted),
                "financee": r.funded,
                "ordre_de_financement": r.position,
                "explication": r.explanation,
                "url": external_url("catalogue.show", initiative_id=r.initiative.id)
                if edition.catalogue_published else None,
            }
            for r in rows
        ],
        "fichiers": [
            {"nom": f["name"], "format": "pabulib" if f["kind"] == "pb" else "csv", "sha256": f["sha256"],
             "octets": f["size"], "url": external_url("results.download", year=edition.year, file=f["name"])}
            for f in published_files(result, year)
        ],
        "recalcul": recompute_command(result, year),
    })
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
