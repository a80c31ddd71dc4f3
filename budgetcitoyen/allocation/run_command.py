"""`budgetcitoyen allocate` without click: the run itself (shared with the click command in `commands`),
and a quick start for the usual command lines.

A person runs `allocate` on a file and reads the answer: the process start is most of the wait (the rule
takes milliseconds on a real election), and click alone costs about 30 ms of imports. `quick_main`
therefore reads the options itself when they are plain (`--pb FILE --rule mes --json`…) and runs the
same code as the click command; anything else (--help, a value click would refuse or convert, an
unknown option, a progress bar to draw) goes to click, so that help, errors and output stay
exactly click's.
"""

from __future__ import annotations

import os
import sys
from _json import encode_basestring  # json.dumps' own encoder of strings (ensure_ascii=False)
from decimal import Decimal

from budgetcitoyen.allocation import french
from budgetcitoyen.allocation.pabulib import DEFAULT_MAX_BYTES, PbElection, read_pb
from budgetcitoyen.allocation.rules import allocate
from budgetcitoyen.allocation.values import RULES, AllocationError, Outcome

PROGRESS_FROM_BYTES = 20 * 1024 * 1024  # below this a file is read in well under a second

TYPE_CHECKING = False  # typing is not imported: this module is `allocate`'s start (see records.py)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    Reader = Callable[[str | os.PathLike[str], int], PbElection]


def run(pb_path: str | os.PathLike[str], rule: str, utility: str | None, threshold: int | None,
        tie_break: str | None, as_json: bool, max_bytes: int, read: Reader | None = None) -> list[str]:
    """The lines `allocate` prints; an AllocationError (French message) when the file or settings are
    refused. `read` reads the file (the click command's draws a progress bar for large files)."""
    election = (read or _read_plain)(pb_path, max_bytes)
    meta = election.meta
    outcome = allocate(
        election.allocation_projects(), election.budget, rule=rule, ballots=election.ballots,
        threshold=threshold if threshold is not None else meta_threshold(meta),
        utility=utility or meta.get("utility", "cost"),
        tie_break=tie_break or meta.get("tie_break", "id"),
        sub_envelopes=meta_sub_envelopes(meta) if rule in ("greedy", "territorial") else None,
        currency=election.currency)
    if as_json:
        return [json_line(outcome.selected, _number(outcome.spent), _number(outcome.envelope))]
    return table(election, outcome, rule)


def json_line(selected: Sequence[str], spent: int | float, budget: int | float) -> str:
    """What ``json.dumps({"selected": [...], "spent": ..., "budget": ...}, ensure_ascii=False)`` writes,
    through the json package's own string encoder (`_json`, in C): the json package imports re, which
    `allocate` on a greedy election needs nowhere else (see records.py). Numbers are written as json
    writes them (repr of a finite int or float)."""
    ids = ", ".join(map(encode_basestring, selected))
    return f'{{"selected": [{ids}], "spent": {spent!r}, "budget": {budget!r}}}'


def _read_plain(path: str | os.PathLike[str], max_bytes: int) -> PbElection:
    return read_pb(path, max_bytes=max_bytes)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def meta_threshold(meta: dict[str, str]) -> int:
    value = meta.get("threshold", "0").strip()
    if not value.isdigit():
        raise AllocationError(f"META : seuil « {value} » invalide (un entier est attendu).")
    return int(value)


def meta_sub_envelopes(meta: dict[str, str]) -> dict[str, Decimal] | None:
    """``code:amount,code:amount`` as written by pb-export."""
    value = meta.get("sub_envelopes", "").strip()
    if not value:
        return None
    envelopes: dict[str, Decimal] = {}
    for item in value.split(","):
        code, _, amount = item.rpartition(":")
        try:
            envelopes[code.strip()] = Decimal(amount.strip())
        except ArithmeticError:
            raise AllocationError(
                f"META : sous-enveloppe « {item} » invalide (code:montant attendu).") from None
        if not code.strip():
            raise AllocationError(f"META : sous-enveloppe « {item} » invalide (code:montant attendu).")
    return envelopes


def table(election: PbElection, outcome: Outcome, rule: str) -> list[str]:
    from budgetcitoyen.allocation.rule_names import AllocationRule  # the words, for a table only

    currency = election.currency
    description = election.meta.get("description", "")
    lines = [f"{description} — règle : {AllocationRule(rule).summary}",
             f"Enveloppe : {french.amount(outcome.envelope, currency)} ; "
             f"{election.ballots.num_voters} bulletins, "
             f"{len(election.projects)} projets."]
    lines.extend(outcome.notes)
    lines.append("")
    rows = [("Rang", "Projet", "Voix", "Accordé", "Explication")]
    for decision in sorted(outcome.decisions, key=lambda d: d.rank):
        rows.append((str(decision.rank), decision.project_id, str(decision.votes),
                     french.amount(decision.granted, currency) if decision.funded else "—",
                     decision.explanation))
    widths = [max(len(row[c]) for row in rows) for c in range(4)]
    for row in rows:
        lines.append(f"{row[0]:>{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  "
                     f"{row[3]:>{widths[3]}}  {row[4]}")
    lines.append("")
    lines.append(f"{len(outcome.selected)} projets financés ; "
                 f"dépensé : {french.amount(outcome.spent, currency)} ; "
                 f"reste : {french.amount(outcome.remaining, currency)}.")
    return lines


# -- the quick start -----------------------------------------------------------------------------

# Option → the values it takes (None: any text), exactly as the click command declares them.
_CHOICES: dict[str, tuple[str, ...] | None] = {
    "--pb": None, "--rule": RULES, "--utility": ("cost", "card"), "--threshold": None,
    "--tie-break": ("id", "edition"), "--max-bytes": None,
}


def quick_options(args: list[str]) -> dict[str, str | bool] | None:
    """The options of a plain command line, or None for anything click should look at."""
    options: dict[str, str | bool] = {}
    position = 0
    while position < len(args):
        token = args[position]
        position += 1
        if token == "--json":
            options["--json"] = True
            continue
        name, equals, value = token.partition("=")
        if name not in _CHOICES:
            return None  # --help, "--", an unknown or abbreviated option, an argument: click's to say
        if not equals:
            if position >= len(args):
                return None
            value = args[position]
            position += 1
        if not value or value.startswith("-"):
            return None
        choices = _CHOICES[name]
        if choices is not None and value not in choices:
            return None
        if name in ("--threshold", "--max-bytes") and not (value.isascii() and value.isdigit()):
            return None
        options[name] = value  # the last one wins, as with click
    return options if "--pb" in options else None


def quick_main(args: list[str]) -> bool:
    """Run `allocate` for a plain command line and exit; False (nothing done) when click must."""
    options = quick_options(args)
    if options is None:
        return False
    path = str(options["--pb"])
    max_bytes = int(options.get("--max-bytes", DEFAULT_MAX_BYTES))
    if max_bytes < 1:
        return False
    try:
        size = os.stat(path).st_size
    except OSError:
        pass  # missing, a folder, unreadable…: click's Path lets it through as well; read_pb says why
    else:
        if size >= PROGRESS_FROM_BYTES and size <= max_bytes and sys.stderr.isatty():
            return False  # the progress bar is click's
    threshold = options.get("--threshold")
    try:
        lines = run(path, str(options.get("--rule", "greedy")),
                    options.get("--utility"),  # type: ignore[arg-type]
                    int(threshold) if threshold is not None else None,  # type: ignore[arg-type]
                    options.get("--tie-break"), bool(options.get("--json")),  # type: ignore[arg-type]
                    max_bytes)
    except AllocationError as error:
        sys.stderr.write(f"Erreur : {error.message}\n")
        sys.stderr.flush()
        sys.exit(1)
    if sys.stdout is None:  # started with its output closed (`>&-`): nowhere to answer, as a broken pipe
        sys.exit(1)
    try:
        sys.stdout.write("".join(line + "\n" for line in lines))
        sys.stdout.flush()
    except BrokenPipeError:
        # As click: a reader that went away (`| head`) is not an error worth a traceback.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (flushed at exit without a second error)
        sys.exit(1)
    sys.exit(0)
