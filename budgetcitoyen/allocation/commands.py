"""`budgetcitoyen allocate`: run an allocation rule on a Pabulib file, without the application or its
database.

The command is attached to the top-level group itself (not to the app's CLI), so Flask never builds
the application for it: no instance folder, no database connection.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from budgetcitoyen.allocation.pabulib import DEFAULT_MAX_BYTES, PbElection, read_pb
from budgetcitoyen.allocation.run_command import PROGRESS_FROM_BYTES, run
from budgetcitoyen.allocation.values import RULES, AllocationError


class AllocationFailure(click.ClickException):
    """A French error on stderr, exit code 1, no traceback (click's own prefix is English)."""

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"Erreur : {self.format_message()}", err=True)


def read_with_progress(path: Path, max_bytes: int, label: str) -> PbElection:
    """Read a Pabulib file with a progress bar on stderr (a PabulibError is raised as is)."""
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:
        def advance(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        return read_pb(path, max_bytes=max_bytes, progress=advance)


def _read(path: Path, max_bytes: int, show_progress: bool) -> PbElection:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if not show_progress or size < PROGRESS_FROM_BYTES or size > max_bytes:
        return read_pb(path, max_bytes=max_bytes)
    return read_with_progress(path, max_bytes, "Lecture des bulletins")


@click.command("allocate")
# Neither a folder nor an unreadable file is refused here: read_pb says so in French (click would in English).
@click.option("--pb", "pb_path", required=True, type=click.Path(readable=False, path_type=Path),
              help="Fichier Pabulib (.pb) à répartir, votes par approbation.")
@click.option("--rule", type=click.Choice(RULES), default="greedy", show_default=True,
              help="greedy : par voix décroissantes ; mes-raw : parts égales ; mes : parts égales complétées "
                   "(+1 par votant puis glouton) ; territorial : meilleur projet de chaque territoire "
                   "d'abord.")
@click.option("--utility", type=click.Choice(["cost", "card"]), default=None,
              help="Utilité des parts égales : coût du projet (cost) ou 1 par projet approuvé (card). "
                   "Par défaut : la clé utility de META si le fichier en a une, sinon cost.")
@click.option("--threshold", type=click.IntRange(min=0), default=None,
              help="Nombre minimal de voix pour être financé. Par défaut : la clé threshold de META si le "
                   "fichier en a une, sinon 0.")
@click.option("--tie-break", type=click.Choice(["id", "edition"]), default=None,
              help="id : à égalité, le plus petit identifiant (comparé comme texte) l'emporte, comme "
                   "pabutools ; edition : plus de voix, moindre coût, dépôt le plus ancien (colonne "
                   "filed_order), identifiant. "
                   "Par défaut : la clé tie_break de META si le fichier en a une, sinon id.")
@click.option("--json", "as_json", is_flag=True,
              help='Affiche un seul objet JSON {"selected": [...], "spent": …, "budget": …}; '
                   "selected dans l'ordre de sélection.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Taille maximale du fichier accepté, en octets.")
def allocate_command(pb_path: Path, rule: str, utility: str | None, threshold: int | None,
                     tie_break: str | None, as_json: bool, max_bytes: int) -> None:
    """Répartit l'enveloppe d'un fichier Pabulib selon une règle, et explique le sort de chaque projet.

    Les fichiers exportés par Budget citoyen (pb-export) portent dans META les réglages de l'édition
    (threshold, utility, tie_break, sub_envelopes) : ils s'appliquent sauf option contraire, si bien que
    la commande redonne le résultat publié. Les sous-enveloppes ne valent que pour greedy et territorial.
    """
    try:
        # The bar goes to stderr, and only for a person watching: stdout stays clean for --json.
        lines = run(pb_path, rule, utility, threshold, tie_break, as_json, max_bytes,
                    read=lambda path, limit: _read(path, limit, show_progress=sys.stderr.isatty()))
    except AllocationError as error:
        raise AllocationFailure(error.message) from None
    for line in lines:
        click.echo(line)
