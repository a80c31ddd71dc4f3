"""Record classes for the values `budgetcitoyen allocate` builds, without `dataclasses`.

Why not dataclasses here: `budgetcitoyen allocate` is a process a person starts for one file, and there
importing `dataclasses` (which imports inspect, ast, dis, tokenize…) and generating each class's methods
with exec cost about 20 ms of a ~55 ms run on the reference machine (`python -X importtime`), more than
the greedy rule on a real election. These bases give what the allocation's values used from dataclasses:
equality and a readable repr over the fields (`_fields`, in order, which are also the `__slots__`), and
for frozen values a hash, no assignment after `__init__`, `replace`, pickling and copying. Each class
writes its own `__init__`: explicit, and checked by the tests that build them.

The rest of the application keeps dataclasses: it starts Flask anyway.
"""

from __future__ import annotations


class Record:
    """Equality and repr over the fields a subclass names in `_fields`, in order (its `__slots__` are the
    same names); mutable, unhashable (as a dataclass with eq)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{self.__class__.__qualname__}({fields})"


class FrozenRecord(Record):
    """A `Record` whose fields are set once, in `__init__` (with `_set`), and hashed (as a frozen
    dataclass)."""

    __slots__ = ()

    def _set(self, **fields: object) -> None:
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is frozen: cannot assign {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self.__class__.__qualname__} is frozen: cannot delete {name}")

    def __hash__(self) -> int:
        return hash(self._values())

    def __reduce__(self) -> tuple[object, ...]:
        # Pickle and copy set slots with setattr, which a frozen record refuses: rebuild it instead.
        return _rebuild, (self.__class__, self._values())

    def replace(self, **changes: object) -> FrozenRecord:
        """A copy with these fields changed (as `dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self._fields}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{self.__class__.__qualname__} has no field {', '.join(sorted(unknown))}")
        values.update(changes)
        return self.__class__(**values)


def _rebuild(cls: type[FrozenRecord], values: tuple[object, ...]) -> FrozenRecord:
    record = object.__new__(cls)
    for name, value in zip(cls._fields, values, strict=True):
        object.__setattr__(record, name, value)
    return record
