"""Where computing and publishing spend their time, step by step, for the scale benchmark (no Flask).

The use cases mark their steps with `step("…")`; nothing is recorded unless a caller asked for it with
`recording()` (benchmarks/results_scale.py), so a step costs a context-variable read in production.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_recorder: ContextVar[list[tuple[str, float]] | None] = ContextVar("results_steps", default=None)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time the block as one step when a `recording()` is open."""
    steps = _recorder.get()
    if steps is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        steps.append((name, time.perf_counter() - started))


@contextmanager
def recording() -> Iterator[list[tuple[str, float]]]:
    """The steps run inside the block, as (name, seconds) in the order they ended."""
    steps: list[tuple[str, float]] = []
    token = _recorder.set(steps)
    try:
        yield steps
    finally:
        _recorder.reset(token)
