"""The software that publishes the results, for the "Vérifiez par vous-même" section: its exact version and
where its source is, so anyone can install the same `budgetcitoyen allocate` and recompute the outcome.

Apart from the presenters (being reworked elsewhere): a function of the installed package's metadata and
the site's setting, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

PACKAGE = "budgetcitoyen"


@dataclass(frozen=True)
class Software:
    package: str
    version: str
    licence: str
    source_url: str  # "" when neither the site nor the package names one


def software(source_url: str | None = None) -> Software:
    """The installed package's version (importlib.metadata) and the source's address: the site's
    SOURCE_URL setting first, else the package's "Source" project URL."""
    try:
        meta = metadata.metadata(PACKAGE)
        version = meta["Version"] or "inconnue"
        licence = meta.get("License-Expression") or meta.get("License") or "AGPL-3.0-or-later"
        entries = [entry.partition(",") for entry in meta.get_all("Project-URL") or []]
        urls = {label.strip().lower(): url.strip() for label, _, url in entries}
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        version, licence, urls = "inconnue", "AGPL-3.0-or-later", {}
    return Software(PACKAGE, version, licence, (source_url or urls.get("source") or "").strip())
