"""Radar rendering: 100 distinct radars cold (rendered), then the same 100 warm (served from the disk cache).

Prints milliseconds per chart for both and their ratio. Run: .venv/bin/python benchmarks/radar.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from budgetcitoyen.labelling.radar import RadarCache, RadarData

AXES = (
    "Utilité sociale",
    "Gouvernance démocratique et implication des usagers",
    "Coopération et partenariats",
    "Ancrage territorial",
    "Lucrativité limitée et modèle économique",
    "Innovation sociale",
    "Transition environnementale",
)
CHARTS = 100


def dataset(rng: random.Random) -> list[RadarData]:
    charts = []
    for index in range(CHARTS):
        members = tuple((f"Membre {m + 1}", tuple(float(rng.randint(0, 4)) for _ in AXES)) for m in range(3))
        aggregate = tuple(round(sum(v[i] for _, v in members) / 3, 2) for i in range(len(AXES)))
        charts.append(RadarData(AXES, aggregate, members, f"Dossier n° {index + 1}"))
    return charts


def timed(cache: RadarCache, charts: list[RadarData], fmt: str) -> list[float]:
    durations = []
    for data in charts:
        start = time.perf_counter()
        path = cache.get(data, fmt)
        path.read_bytes()  # a view sends the file: reading it is part of the cost
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def main() -> None:
    charts = dataset(random.Random(2026))
    assert len({c.cache_key("png") for c in charts}) == CHARTS, "charts must be distinct"
    for fmt in ("png", "svg"):
        with tempfile.TemporaryDirectory() as folder:
            cache = RadarCache(Path(folder))
            cold = timed(cache, charts, fmt)
            warm = timed(cache, charts, fmt)
        cold_ms, warm_ms = statistics.mean(cold), statistics.mean(warm)
        print(f"{fmt.upper()}: {CHARTS} distinct radars")
        print(f"  cold (rendered):  {cold_ms:8.2f} ms per chart (median {statistics.median(cold):.2f})")
        print(f"  warm (cached):    {warm_ms:8.3f} ms per chart (median {statistics.median(warm):.3f})")
        print(f"  cold / warm:      {cold_ms / warm_ms:8.0f} x")


if __name__ == "__main__":
    main()
