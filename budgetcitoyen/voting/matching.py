"""Which declared identities are likely one person (pure, no Flask, no SQLAlchemy).

A fraudster who votes twice does not type the same identity twice: the case changes, an accent is
dropped, the commune is typed as its INSEE code, the birth date moves by a day. Communes reach this
module already resolved to their INSEE code (name, INSEE code and postal code all designate one
commune, see `reference.lookup.CommuneIndex`); names are compared after `name_key`, and the near
misses a person makes on purpose or by accident are flagged "à vérifier" with the reason, for a
human to decide. Nothing here voids a ballot.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

# Lower-case words of a surname that are often left out or glued ("de Villiers", "Villiers"). "le"
# and "la" are not among them: in Breton or Picard names ("Le Gall") they are the name itself.
PARTICLES = frozenset({"de", "d", "du", "des", "van", "von", "der", "den", "di", "da", "del", "dos"})
# A few days apart: a birth date typed wrong by a day or two, or moved on purpose.
CLOSE_DAYS = 3


def _words(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return "".join(c if c.isalnum() else " " for c in letters).split()


def name_key(name: str, *, surname: bool = False) -> str:
    """Case, accents, hyphens, apostrophes and spaces ignored, and a surname's particles left out:
    « Lefèvre-Dupont » == « LEFEVRE dupont », « de Villiers » == « Villiers », « Jean Pierre » ==
    « Jean-Pierre »."""
    words = _words(name)
    if surname:
        kept = [w for w in words if w not in PARTICLES]
        words = kept or words
    return "".join(words)


def first_given_name(name: str) -> str:
    """The first of several given names (an identity provider gives them all, a person types one)."""
    words = _words(name)
    return words[0] if words else ""


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Letters inserted, removed, replaced or swapped with a neighbour to turn `a` into `b` (optimal
    string alignment); anything above `limit` is returned as limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


@dataclass(frozen=True)
class PersonRecord:
    """One declared identity: an account's, or a line of the paper attendance list (`ref` says which)."""

    ref: Hashable
    first_name: str
    last_name: str
    birth_date: date
    commune_code: str
    # Set on a second record of the same person under another name (a verified usage name): said in
    # the reasons, and never compared with its own first record.
    via: str | None = None

    # Computed once per record (each is compared in several blocks): cached on the instance.
    @cached_property
    def first(self) -> str:
        return name_key(self.first_name)

    @cached_property
    def last(self) -> str:
        return name_key(self.last_name, surname=True)


@dataclass(frozen=True)
class Match:
    """Two records likely to be one person. `certain`: the same identity once normalised; otherwise
    "à vérifier", with the reasons. `score` ranks the report (higher: more likely one person)."""

    a: Hashable
    b: Hashable
    certain: bool
    score: int
    reasons: tuple[str, ...]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


def birth_date_gap(a: date, b: date) -> tuple[int, str] | None:
    """(score, reason) when two different birth dates look like one typed wrong or moved, else None."""
    days = abs((a - b).days)
    if days == 0:
        return None
    if days <= CLOSE_DAYS:
        return (70 if days == 1 else 55), f"dates de naissance à {_plural(days, 'jour')} d'écart"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return 70, "jour et mois de naissance inversés"
    if a.year == b.year and a.day == b.day and abs(a.month - b.month) == 1:
        return 60, "mois de naissance différent d'un mois"
    if (a.month, a.day) == (b.month, b.day):
        if abs(a.year - b.year) == 1:
            return 60, "année de naissance différente d'un an"
        if edit_distance(str(a.year), str(b.year), 1) == 1:
            return 55, "année de naissance à un chiffre près"
    return None


def names_gap(a: PersonRecord, b: PersonRecord) -> tuple[int, str] | None:
    """(score, reason) when two different names look like one person's, else None."""
    if (a.first, a.last) == (b.first, b.last):
        return None
    if (a.first, a.last) == (b.last, b.first):
        return 75, "prénom et nom inversés"
    if a.last == b.last and a.first != b.first and (
        first_given_name(a.first_name) == first_given_name(b.first_name)
    ):
        return 80, "même premier prénom (prénoms complets d'un côté)"
    letters = edit_distance(a.first, b.first) + edit_distance(a.last, b.last)
    if letters <= 2:
        return (75 if letters == 1 else 55), f"nom ou prénom à {_plural(letters, 'lettre')} près"
    return None


def compare(a: PersonRecord, b: PersonRecord) -> Match | None:
    """The match between two records, or None. One difference at a time: a near name with a near
    birth date in another commune would flag half the département's namesakes."""
    match = _compare(a, b)
    if match is None or not (a.via or b.via):
        return match
    return Match(match.a, match.b, match.certain, match.score,
                 (*match.reasons, *(f"par le {r.via}" for r in (a, b) if r.via)))


def _compare(a: PersonRecord, b: PersonRecord) -> Match | None:
    same_names = (a.first, a.last) == (b.first, b.last)
    same_commune = a.commune_code == b.commune_code
    same_birth = a.birth_date == b.birth_date
    if same_names and same_birth and same_commune:
        return Match(a.ref, b.ref, True, 100, ("même identité (majuscules, accents et tirets ignorés)",))
    if same_names and same_birth:
        return Match(a.ref, b.ref, False, 65, ("même nom, prénom et date de naissance, autre commune",))
    if not same_commune:
        return None
    if same_names:
        gap = birth_date_gap(a.birth_date, b.birth_date)
    elif same_birth:
        gap = names_gap(a, b)
    else:
        return None
    if gap is None:
        return None
    return Match(a.ref, b.ref, False, gap[0], (gap[1],))


def find_matches(records: Iterable[PersonRecord]) -> list[Match]:
    """Every likely pair, without comparing every record with every other: candidates share either
    their commune and birth date, or their commune and names, or their names and birth date."""
    blocks: dict[tuple[object, ...], list[PersonRecord]] = defaultdict(list)
    for record in records:
        blocks[("birth", record.commune_code, record.birth_date)].append(record)
        blocks[("names", record.commune_code, record.first, record.last)].append(record)
        blocks[("anywhere", record.first, record.last, record.birth_date)].append(record)
    # Pairs of records (not of refs: one person may have a second record under a usage name).
    seen: set[tuple[int, int]] = set()
    matches: list[Match] = []
    for block in blocks.values():
        for i, a in enumerate(block):
            for b in block[i + 1:]:
                if a.ref == b.ref:
                    continue
                pair = (id(a), id(b)) if id(a) < id(b) else (id(b), id(a))
                if pair in seen:
                    continue
                seen.add(pair)
                match = compare(a, b)
                if match is not None:
                    matches.append(match)
    return matches


@dataclass
class MatchGroup:
    """Records tied by matches (a chain a~b~c is one group). `certain` only if every tie is."""

    refs: list[Hashable]
    certain: bool
    score: int
    reasons: list[str] = field(default_factory=list)


def group_matches(records: Iterable[PersonRecord], matches: Iterable[Match]) -> list[MatchGroup]:
    """The groups, most likely first (certain groups, then by score), records in their given order."""
    order: dict[Hashable, int] = {}
    for i, record in enumerate(records):
        order.setdefault(record.ref, i)
    parent: dict[Hashable, Hashable] = {}

    def root(ref: Hashable) -> Hashable:
        while parent.get(ref, ref) != ref:
            ref = parent[ref]
        return ref

    matches = list(matches)
    for match in matches:
        ra, rb = root(match.a), root(match.b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[Hashable, MatchGroup] = {}
    for match in matches:
        group = groups.setdefault(root(match.a), MatchGroup([], True, 0))
        group.certain = group.certain and match.certain
        group.score = max(group.score, match.score)
        for reason in match.reasons:
            if reason not in group.reasons:
                group.reasons.append(reason)
        for ref in (match.a, match.b):
            if ref not in group.refs:
                group.refs.append(ref)
    for group in groups.values():
        group.refs.sort(key=lambda ref: order.get(ref, len(order)))
    return sorted(groups.values(), key=lambda g: (not g.certain, -g.score, order.get(g.refs[0], 0)))
