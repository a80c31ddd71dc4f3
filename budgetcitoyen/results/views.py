"""Public results of an edition (/resultats/<year>): ranking, charts, files to recompute, open data.

Nothing is shown before the ESS service publishes: the page then says when the results come, and
the charts, files and JSON answer 404. Once published, a result never changes (the service refuses
to publish twice or to recompute): its figures were counted and its charts drawn at publication, the
pages only read them, and send an ETag and a public Cache-Control so that a proxy or the browser can
serve them again without asking (a 304 when the ETag still matches).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    render_template,
    request,
    session,
)
from flask_login import current_user

from budgetcitoyen.clock import now_utc
from budgetcitoyen.csv_export import csv_response
from budgetcitoyen.editions.models import Edition
from budgetcitoyen.results import charts, figures, presenters, services
from budgetcitoyen.results.models import AllocationResult
from budgetcitoyen.results.software import software
from budgetcitoyen.web import Access, access, db, external_url, or_404, send_stored, storage

bp = Blueprint("results", __name__)

# Published files never change (publishing twice is refused), and neither do their charts.
PUBLIC_CACHE = "public, max-age=3600"
# What changes when an edition is published (the archives' figures): a proxy may keep it five minutes.
PUBLIC_CACHE_SHORT = "public, max-age=300"
# The page and the open data also show a few edition settings (the catalogue's links): kept shorter.
PAGE_CACHE = "public, max-age=300"


def _conditional(response: Response, cache: str, etag: str | None = None) -> Response:
    """Cache-Control and ETag (given, or the body's hash), and a 304 when the client has that ETag."""
    response.headers["Cache-Control"] = cache
    if etag is not None:
        response.set_etag(etag)
    else:
        response.add_etag()
    return response.make_conditional(request)


def _edition(year: int) -> Edition:
    return or_404(services.edition_of_year(db(), year, published_only=True))


def _published(edition: Edition) -> AllocationResult:
    return or_404(services.published_result_of(db(), edition))


@bp.app_context_processor
def _results_link() -> dict[str, Any]:
    # A function, not a value: only the pages that show the link pay for the query.
    return {"published_results_year": lambda: services.published_results_year(db())}


@bp.route("/resultats")
@access(Access.PUBLIC)
def archives() -> Any:
    """Every edition whose results are published, with its figures, and a link to its results."""
    return render_template("results/archives.html", editions=services.published_editions(db()),
                           chart=_editions_chart_spec(), money_chart=_money_chart_spec(),
                           licence=presenters.OPEN_LICENCE)


# The open data of every published edition: one column list for the JSON and the CSV.
ARCHIVE_COLUMNS = ("edition", "titre", "enveloppe", "initiatives_deposees", "initiatives_labellisees",
                   "initiatives_soumises_au_vote", "votants", "laureates", "attribue", "regle")


def _archive_rows() -> list[dict[str, Any]]:
    return [dict(zip(ARCHIVE_COLUMNS, (
        e.year, e.title, str(e.envelope), e.filed, e.labelled, e.on_ballot, e.voters, e.winners,
        str(e.granted), e.rule), strict=True)) for e in services.published_editions(db())]


def _editions_chart_spec() -> charts.ChartSpec:
    rows = [(str(e.year), e.voters) for e in reversed(services.published_editions(db()))]
    return charts.participation_chart("Votants par édition", "édition", rows)


def _money_chart_spec() -> charts.ChartSpec:
    return charts.money_chart([(str(e.year), e.envelope, e.granted)
                               for e in reversed(services.published_editions(db()))])


@functools.lru_cache(maxsize=4)
def _drawn(spec: charts.ChartSpec) -> bytes:
    # The figures change only when an edition is published: the same spec is drawn once per process.
    return charts.render(spec)


@bp.route("/resultats/graphiques/editions.svg")
@access(Access.PUBLIC)
def editions_chart() -> Any:
    """Voters of every published edition, as SVG (the archives' table holds the same figures)."""
    return _archive_chart(_editions_chart_spec())


@bp.route("/resultats/graphiques/editions-montants.svg")
@access(Access.PUBLIC)
def editions_money_chart() -> Any:
    """Envelope and amount granted of every published edition, as SVG (the table has the figures)."""
    return _archive_chart(_money_chart_spec())


def _archive_chart(spec: charts.ChartSpec) -> Response:
    digest = hashlib.sha256(repr(spec).encode()).hexdigest()
    if digest in request.if_none_match:
        return _conditional(Response(status=304), PUBLIC_CACHE_SHORT, digest)  # nothing drawn
    response = _conditional(Response(_drawn(spec), mimetype=charts.MIMETYPE), PUBLIC_CACHE_SHORT, digest)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/api/editions.json")
@access(Access.PUBLIC)
def archives_data() -> Any:
    """Open data: the figures of every published edition, the latest first."""
    editions = [{**row, "resultats": external_url("results.open_data", year=row["edition"])}
                for row in _archive_rows()]
    response = jsonify({"licence": presenters.OPEN_LICENCE, "editions": editions})
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api/editions.csv")
@access(Access.PUBLIC)
def archives_csv() -> Any:
    """The same figures as a spreadsheet (semicolons, UTF-8 with BOM, as French spreadsheets expect)."""
    rows = [[row[column] for column in ARCHIVE_COLUMNS] for row in _archive_rows()]
    response = csv_response("budget-citoyen-editions.csv", ARCHIVE_COLUMNS, rows)
    response.headers["Cache-Control"] = "public, max-age=300"  # open data, the same for everyone
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/resultats/<int:year>")
@access(Access.PUBLIC)
def show(year: int) -> Any:
    """The published results, or a page saying when they come."""
    edition = _edition(year)
    result = services.published_result_of(db(), edition)
    if result is None:
        return render_template("results/pending.html", **presenters.pending_page(edition, now_utc()))
    # Only an anonymous page without a message to show is the same for everyone (a signed-in visitor's
    # has their menu and a CSRF token): only it may be kept by a proxy.
    shared = not current_user.is_authenticated and "_flashes" not in session
    page = presenters.results_page(db(), edition, result, storage())
    about = software(current_app.config.get("SOURCE_URL"))
    response = make_response(render_template("results/show.html", software=about, **page))
    if not shared:
        return response
    response.vary.add("Cookie")
    return _conditional(response, PAGE_CACHE)


@bp.route("/resultats/<int:year>/graphiques/<name>.svg")
@access(Access.PUBLIC)
def chart(year: int, name: str) -> Any:
    """One chart of the published results, as SVG (drawn once, just after the publication, read from the
    storage; asked for before, drawn from the same frozen figures: the same bytes)."""
    if name not in presenters.CHART_NAMES:
        abort(404)
    edition = _edition(year)
    result = _published(edition)
    counted = presenters.published_figures(db(), edition, result, storage())
    digest = counted.charts.get(name)
    if digest is not None and digest in request.if_none_match:
        response = _conditional(Response(status=304), PUBLIC_CACHE, digest)  # the file is not even read
    elif digest is not None:
        try:
            svg = storage().read(figures.chart_key(year, name))
        except FileNotFoundError:
            current_app.logger.error("published results chart missing: %s", name)
            abort(404)
        response = _conditional(Response(svg, mimetype=charts.MIMETYPE), PUBLIC_CACHE, digest)
    else:  # not drawn yet (just published, or published before charts were stored): drawn now from the
        # same frozen figures, the bytes the stored chart will have (nothing stored on a GET)
        svg = charts.render(figures.chart_specs(result, counted)[name])
        response = _conditional(Response(svg, mimetype=charts.MIMETYPE), PUBLIC_CACHE,
                                hashlib.sha256(svg).hexdigest())
    # Opened on its own ("Agrandir"), the SVG is a document: matplotlib's inline <style> must apply,
    # and nothing else may load or run.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/resultats/<int:year>/<file>")
@access(Access.PUBLIC)
def download(year: int, file: str) -> Any:
    """The anonymised ballots as published (.pb or .csv), to recompute the outcome."""
    kinds = presenters.file_kinds(year)
    if file not in kinds:
        abort(404)
    _published(_edition(year))
    key = services.file_key(year, file)
    if not storage().exists(key):
        current_app.logger.error("published results file missing: %s", key)
        abort(404)
    response = send_stored(key, mimetype=presenters.FILE_FORMATS[kinds[file]][1], download_name=file)
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@bp.route("/api/editions/<int:year>/results.json")
@access(Access.PUBLIC)
def open_data(year: int) -> Any:
    """Open data: the published allocation, with the participation and the files to recompute it."""
    edition = _edition(year)
    data = presenters.open_data(db(), edition, _published(edition), storage())
    response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return _conditional(response, PAGE_CACHE)
