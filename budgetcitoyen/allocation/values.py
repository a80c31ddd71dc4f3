"""Plain values of the allocation engine (not ORM models): what it works on, what it gives back, and the
rules it knows (pure: no Flask, no database)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from numbers import Integral, Rational

from budgetcitoyen.allocation.records import FrozenRecord
from budgetcitoyen.errors import DomainError

TYPE_CHECKING = False  # typing itself is not imported: see records.py for why `allocate` stays lean
if TYPE_CHECKING:
    from fractions import Fraction
    from typing import Any

    import numpy as np

    from budgetcitoyen.allocation.rule_names import AllocationRule as AllocationRule

Amount = Decimal | int
"""Money as given by callers: a Decimal (euros and cents) or an int. Never a float."""



# The rules' codes: what an edition stores and `budgetcitoyen allocate --rule` takes. `AllocationRule`
# (rule_names.py) names them and holds their words; it is an enum, and `import enum` (with functools) is
# left out of `allocate`'s start, which needs only the codes (see records.py).
RULES = ("greedy", "territorial", "mes", "mes-raw")
UTILITIES = ("cost", "card")
TIE_BREAKS = ("edition", "id")


class AllocationError(DomainError):
    """The allocation cannot be computed from these data or settings; the message is French."""


def as_decimal(value: Amount | str | Fraction, what: str) -> Decimal:
    """A finite, non-negative Decimal, or an AllocationError naming `what`."""
    if isinstance(value, float):
        # Floats would make the outcome depend on binary rounding: refused on purpose.
        raise AllocationError(f"{what} : montant en virgule flottante refusé, utilisez Decimal ou int.")
    try:
        amount = Decimal(value.numerator) / Decimal(value.denominator) \
            if isinstance(value, Rational) and not isinstance(value, Integral) \
            else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise AllocationError(f"{what} : « {value} » n'est pas un montant.") from None
    if not amount.is_finite():
        raise AllocationError(f"{what} : « {value} » n'est pas un montant.")
    if amount < 0:
        raise AllocationError(f"{what} : montant négatif ({value}).")
    return amount


class Project(FrozenRecord):
    """A project (an initiative) competing for the envelope.

    `cost` is the amount asked; `votes` the number of ballots approving it (the ranking of the
    greedy rules); `filed_order` the order of filing, used only to break ties in an edition.
    """

    _fields = ("id", "cost", "votes", "category", "territory", "filed_order", "name")
    __slots__ = _fields
    id: str
    cost: Decimal
    votes: int
    category: str | None
    territory: str | None
    filed_order: int | None
    name: str

    def __init__(self, id: str, cost: Amount, votes: int = 0, category: str | None = None,
                 territory: str | None = None, filed_order: int | None = None, name: str = "") -> None:
        amount = as_decimal(cost, f"Projet {id}")
        if isinstance(votes, bool) or not isinstance(votes, Integral) or votes < 0:
            raise AllocationError(f"Projet {id} : nombre de voix invalide ({votes}).")
        self._set(id=id, cost=amount, votes=int(votes), category=category,
                  territory=territory, filed_order=filed_order, name=name)


class Ballots:
    """Approval ballots in compressed sparse rows: voter v approves `indices[indptr[v]:indptr[v + 1]]`.

    Indices are positions in the project list given alongside; a ballot lists a project at most once
    (`from_lists` and the Pabulib reader drop repeats). A voter with an empty ballot still counts as a
    voter (the Method of Equal Shares gives them a share of the envelope).

    `indptr` and `indices` are numpy arrays. The Pabulib reader may hand over plain Python sequences
    instead (`from_python`, already valid): they become arrays only when asked for, so that a greedy
    `budgetcitoyen allocate`, which needs only the counts, never imports numpy (a tenth of a second).
    """

    __slots__ = ("_indices", "_indptr", "num_projects")

    def __init__(self, indptr: Any, indices: Any, num_projects: int) -> None:
        import numpy as np

        indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        indices = np.ascontiguousarray(indices, dtype=np.int32)
        if indptr.ndim != 1 or indices.ndim != 1 or len(indptr) == 0 or indptr[0] != 0 \
                or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
            raise AllocationError("Bulletins : structure invalide.")
        if len(indices) and (indices.min() < 0 or indices.max() >= num_projects):
            raise AllocationError("Bulletins : un bulletin désigne un projet inexistant.")
        self._set(indptr, indices, num_projects)

    def _set(self, indptr: Any, indices: Any, num_projects: int) -> None:
        object.__setattr__(self, "_indptr", indptr)
        object.__setattr__(self, "_indices", indices)
        object.__setattr__(self, "num_projects", num_projects)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Ballots is immutable ({name})")

    def __reduce__(self) -> tuple[type[Ballots], tuple[Any, Any, int]]:
        return Ballots, (self.indptr, self.indices, self.num_projects)  # pickle and copy, checked again

    @classmethod
    def from_python(cls, indptr: Sequence[int], indices: Sequence[int], num_projects: int) -> Ballots:
        """Ballots from Python sequences that are known to be valid (built by the caller's own checks:
        indptr starts at 0, never decreases, ends at len(indices); every index is a position)."""
        ballots = cls.__new__(cls)
        ballots._set(indptr, indices, num_projects)
        return ballots

    @property
    def indptr(self) -> np.ndarray:
        if not _is_array(self._indptr):
            import numpy as np

            object.__setattr__(self, "_indptr", np.array(self._indptr, dtype=np.int64))
        return self._indptr

    @property
    def indices(self) -> np.ndarray:
        if not _is_array(self._indices):
            import numpy as np

            object.__setattr__(self, "_indices", np.array(self._indices, dtype=np.int32))
        return self._indices

    @classmethod
    def from_lists(cls, ballots: Iterable[Iterable[int]], num_projects: int) -> Ballots:
        """Build from one list of project positions per voter (convenient for tests and small data)."""
        import numpy as np

        rows = [list(dict.fromkeys(ballot)) for ballot in ballots]
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(row) for row in rows], out=indptr[1:])
        flat = [j for row in rows for j in row]
        return cls(indptr, np.array(flat, dtype=np.int32), num_projects)

    @property
    def num_voters(self) -> int:
        return len(self._indptr) - 1

    def __len__(self) -> int:
        return self.num_voters

    def __repr__(self) -> str:
        return (f"Ballots(indptr={self.indptr!r}, indices={self.indices!r}, "
                f"num_projects={self.num_projects!r})")

    def ballot(self, voter: int) -> np.ndarray:
        """The positions approved by one voter, in ballot order."""
        return self.indices[self.indptr[voter]:self.indptr[voter + 1]]

    def __iter__(self) -> Iterator[list[int]]:
        """Each voter's positions, in ballot order; without numpy when the ballots are still Python
        sequences (the plain equal-shares engine counts distinct ballots this way)."""
        indptr, indices = self._indptr, self._indices
        if _is_array(indices):
            indptr, indices = indptr.tolist(), indices.tolist()
        for voter in range(len(indptr) - 1):
            yield indices[indptr[voter]:indptr[voter + 1]]

    def approvals(self) -> np.ndarray:
        """Number of approvals of each project (its votes)."""
        import numpy as np

        return np.bincount(self.indices, minlength=self.num_projects).astype(np.int64)

    def approval_counts(self) -> list[int]:
        """`approvals()` as a list of ints, without numpy when the ballots are still Python sequences."""
        if _is_array(self._indices):
            return self.approvals().tolist()
        counts = [0] * self.num_projects
        for j in self._indices:
            counts[j] += 1
        return counts

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ballots):
            return NotImplemented
        import numpy as np

        return (self.num_projects == other.num_projects and np.array_equal(self.indptr, other.indptr)
                and np.array_equal(self.indices, other.indices))

    __hash__ = None  # type: ignore[assignment]  # mutable arrays inside


def _is_array(value: object) -> bool:
    return type(value).__name__ == "ndarray"


# Why a project was or was not funded (stable codes for templates and exports; `explanation` is the prose).
FUNDED = "funded"
FUNDED_TERRITORY = "funded_territory"
FUNDED_EQUAL_SHARES = "funded_equal_shares"
FUNDED_COMPLETION = "funded_completion"
BELOW_THRESHOLD = "below_threshold"
EXCEEDS_ENVELOPE = "exceeds_envelope"
NO_ROOM = "no_room"
NO_ROOM_SUB_ENVELOPE = "no_room_sub_envelope"
NO_SUPPORT = "no_support"
SUPPORTERS_SHORT = "supporters_short"
ZERO_COST_IGNORED = "zero_cost_ignored"


class Decision(FrozenRecord):
    """The fate of one project, with its French explanation.

    `rank` is the place in the vote ranking (1 = most votes, ties broken as the settings say);
    `position` the order in which a funded project was selected (1 = first), None when not funded.
    """

    _fields = ("project_id", "funded", "asked", "granted", "votes", "rank", "position", "reason",
                 "explanation")
    __slots__ = _fields
    project_id: str
    funded: bool
    asked: Decimal
    granted: Decimal
    votes: int
    rank: int
    position: int | None
    reason: str
    explanation: str

    def __init__(self, project_id: str, funded: bool, asked: Decimal, granted: Decimal, votes: int, rank: int,
                 position: int | None, reason: str, explanation: str) -> None:
        self._set(project_id=project_id, funded=funded, asked=asked, granted=granted, votes=votes, rank=rank,
                  position=position, reason=reason, explanation=explanation)


class Outcome(FrozenRecord):
    """The allocation of an envelope: who gets what, what is left, and why, for every project."""

    _fields = ("rule", "envelope", "spent", "remaining", "selected", "decisions", "sub_envelopes_remaining",
                 "notes")
    __slots__ = _fields
    rule: str
    envelope: Decimal
    spent: Decimal
    remaining: Decimal
    selected: tuple[str, ...]
    decisions: tuple[Decision, ...]
    sub_envelopes_remaining: Mapping[str, Decimal]
    notes: tuple[str, ...]

    def __init__(self, rule: str, envelope: Decimal, spent: Decimal, remaining: Decimal,
                 selected: tuple[str, ...], decisions: tuple[Decision, ...],
                 sub_envelopes_remaining: Mapping[str, Decimal] | None = None, notes: tuple[str, ...] = ()
                 ) -> None:
        self._set(rule=rule, envelope=envelope, spent=spent, remaining=remaining, selected=selected,
                  decisions=decisions,
                  sub_envelopes_remaining={} if sub_envelopes_remaining is None else sub_envelopes_remaining,
                  notes=notes)

    @property
    def granted(self) -> dict[str, Decimal]:
        """Amount granted to each funded project, in selection order."""
        by_id = {d.project_id: d for d in self.decisions}
        return {pid: by_id[pid].granted for pid in self.selected}

    def decision(self, project_id: str) -> Decision:
        for decision in self.decisions:
            if decision.project_id == project_id:
                return decision
        raise KeyError(project_id)

    def explanations(self) -> dict[str, str]:
        return {d.project_id: d.explanation for d in self.decisions}


def check_unique_ids(projects: Sequence[Project]) -> None:
    seen: set[str] = set()
    for project in projects:
        if project.id in seen:
            raise AllocationError(f"Projet {project.id} : identifiant en double.")
        seen.add(project.id)


def lazy_rule_enum(module: str, name: str) -> object:
    """The `AllocationRule` this module and the package re-export, imported on first use: `budgetcitoyen
    allocate` needs only the rules' codes (RULES), and its start stays without enum (see records.py)."""
    if name == "AllocationRule":
        from budgetcitoyen.allocation.rule_names import AllocationRule

        return AllocationRule
    raise AttributeError(f"module {module!r} has no attribute {name!r}")


def __getattr__(name: str) -> object:
    return lazy_rule_enum(__name__, name)


def __dir__() -> list[str]:
    return sorted([*globals(), "AllocationRule"])
