"""Flask-side helpers shared by the committee, back-office and public views: the radar cache and its responses."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, send_file

from budgetcitoyen.labelling.radar import FORMATS, RadarCache, RadarData


def radar_cache() -> RadarCache:
    """The on-disk cache of rendered radars, in the instance folder."""
    return RadarCache(Path(current_app.instance_path) / "radar-cache")


def radar_response(data: RadarData, fmt: str, *, public: bool) -> Response:
    """Serve a radar image from the cache (rendered on first request)."""
    if fmt not in FORMATS:
        abort(404)
    response = send_file(radar_cache().get(data, fmt), mimetype=FORMATS[fmt], max_age=0)
    # The committee's radar shows individual scores: never kept by a shared cache.
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response
