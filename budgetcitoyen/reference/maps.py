"""Maps of the département drawn as SVG on the server, from the commune boundaries shipped beside this module
(`boundaries_*.json`, built by scripts/build_boundaries.py; source and licence in SOURCES.md).

Pure: no Flask, no database. The caller gives the counts; every map is meant to sit next to a table of the
same counts (the accessible alternative), so the SVG is role="img" with a title naming that table, and a
legend writes each class's values in words: colour never carries the information alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
# Sequential blues, light to dark; the darkest still leaves the white outlines visible. The "none" class
# is a light grey so that 0 is not read as the first shade of the scale.
SHADES = ("#dbe9f6", "#9ecae1", "#4a98c9", "#1c5d99")
NONE_FILL = "#eeeeee"
LEGEND_HEIGHT = 46  # per legend row, in viewBox units (text legible at a phone width)
# Legend rows reserved: "0" and up to 4 classes on the territories; one line under the circles. Fixed so
# that a map keeps its size whatever the counts.
TERRITORY_LEGEND_ROWS = 1 + len(SHADES)
COMMUNE_LEGEND_ROWS = 1


@dataclass(frozen=True)
class Boundaries:
    """Commune outlines as SVG path data, in a viewBox `width` x `height`, and one inner point each."""

    width: int
    height: int
    paths: Mapping[str, str]
    points: Mapping[str, tuple[int, int]]
    attribution: str = ""  # the outlines' credit, printed under each map


@cache
def load_boundaries(folder: Path = HERE) -> Boundaries | None:
    """Every `boundaries_*.json` of the folder merged, or None when the collectivité ships none."""
    files = sorted(folder.glob("boundaries_*.json"))
    if not files:
        return None
    paths: dict[str, str] = {}
    points: dict[str, tuple[int, int]] = {}
    width = height = 0
    credits: list[str] = []
    for file in files:  # several files only make sense if built with the same projection; one per install
        data = json.loads(file.read_text(encoding="utf-8"))
        width, height = max(width, data["width"]), max(height, data["height"])
        credit = data.get("attribution") or f"Contours : {data['source']}"
        if credit not in credits:
            credits.append(credit)
        for code, commune in data["communes"].items():
            paths[code] = commune["d"]
            points[code] = (commune["c"][0], commune["c"][1])
    return Boundaries(width, height, paths, points, " ".join(credits))


@dataclass(frozen=True)
class Area:
    """A territory on the choropleth: its name, its count and the INSEE codes of its communes."""

    name: str
    count: int
    communes: Sequence[str]


def classes(values: Sequence[int], count: int = 4) -> list[tuple[int, int]]:
    """Up to `count` classes of equal width over 1..max, as inclusive (low, high) ranges of integers."""
    top = max(values, default=0)
    if top <= 0:
        return []
    step = max(1, math.ceil(top / count))
    return [(low, min(low + step - 1, top)) for low in range(1, top + 1, step)]


def _class_of(value: int, ranges: Sequence[tuple[int, int]]) -> int | None:
    for index, (low, high) in enumerate(ranges):
        if low <= value <= high:
            return index
    return None


def _counted(count: int, unit: str) -> str:
    """"0 votant", "1 votant", "2 votants": French puts 0 and 1 in the singular; units are nouns whose plural
    takes an s."""
    return f"{count} {unit}" if count < 2 else f"{count} {unit}s"


def _range_label(low: int, high: int, unit: str) -> str:
    return _counted(low, unit) if low == high else f"{low} à {_counted(high, unit)}"


def svg_size(boundaries: Boundaries, legend_rows: int) -> tuple[int, int]:
    """Width and height of a map's viewBox (the page gives them to its <img> to reserve the space)."""
    return boundaries.width, boundaries.height + 20 + legend_rows * LEGEND_HEIGHT


def _svg_open(boundaries: Boundaries, title: str, description: str, legend_rows: int) -> list[str]:
    width, height = svg_size(boundaries, legend_rows)
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="map-title map-desc">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
    ]


def _legend(rows: Sequence[tuple[str, str]], top: int, circle: bool = False) -> list[str]:
    out = ['<g font-family="sans-serif" font-size="34" fill="#1a1a1a">']
    for index, (fill, label) in enumerate(rows):
        y = top + index * LEGEND_HEIGHT
        if circle:
            out.append(f'<circle cx="18" cy="{y + 17}" r="14" fill="{fill}" stroke="#1a1a1a"/>')
        else:
            out.append(f'<rect x="2" y="{y}" width="34" height="34" fill="{fill}" stroke="#1a1a1a"/>')
        out.append(f'<text x="48" y="{y + 29}">{escape(label)}</text>')
    out.append("</g>")
    return out


def territory_map(boundaries: Boundaries, areas: Sequence[Area], title: str, description: str,
                  unit: str) -> str:
    """A choropleth of the territories: one path per territory (its communes' outlines joined), filled by the
    class of its count, titled "name : count unit", with a legend giving each class's range."""
    ranges = classes([a.count for a in areas], len(SHADES))
    out = _svg_open(boundaries, title, description, TERRITORY_LEGEND_ROWS)
    out.append('<g stroke="#ffffff" stroke-width="0.8" stroke-linejoin="round">')
    for area in areas:
        path = "".join(boundaries.paths[c] for c in area.communes if c in boundaries.paths)
        if not path:
            continue
        index = _class_of(area.count, ranges)
        fill = NONE_FILL if index is None else SHADES[index]
        label = escape(f"{area.name} : {_counted(area.count, unit)}")
        out.append(f'<path d="{path}" fill="{fill}"><title>{label}</title></path>')
    out.append("</g>")
    legend = [(NONE_FILL, _counted(0, unit))] + [(SHADES[i], _range_label(lo, hi, unit))
                                          for i, (lo, hi) in enumerate(ranges)]
    out += _legend(legend, boundaries.height + 20)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def commune_map(boundaries: Boundaries, outlines: Sequence[Area], counts: Mapping[str, tuple[str, int]],
                title: str, description: str, unit: str) -> str:
    """Proportional circles (area proportional to the count) on the communes that have one, over the
    territories' outlines in grey; each circle titled "commune : count unit(s)"."""
    out = _svg_open(boundaries, title, description, COMMUNE_LEGEND_ROWS)
    out.append(f'<g fill="{NONE_FILL}" stroke="#8a8a8a" stroke-width="1.5" stroke-linejoin="round">')
    for area in outlines:
        path = "".join(boundaries.paths[c] for c in area.communes if c in boundaries.paths)
        if path:
            out.append(f'<path d="{path}"><title>{escape(area.name)}</title></path>')
    out.append("</g>")
    top = max((n for _, n in counts.values()), default=0)
    biggest = 28.0
    out.append(f'<g fill="{SHADES[3]}" fill-opacity="0.75" stroke="#ffffff" stroke-width="1.5">')
    # Largest first so that small circles stay visible on top of big neighbours.
    for code, (name, number) in sorted(counts.items(), key=lambda item: -item[1][1]):
        if number <= 0 or code not in boundaries.points:
            continue
        x, y = boundaries.points[code]
        radius = max(4.0, biggest * math.sqrt(number / top))
        label = escape(f"{name} : {_counted(number, unit)}")
        out.append(f'<circle cx="{x}" cy="{y}" r="{radius:.1f}"><title>{label}</title></circle>')
    out.append("</g>")
    legend = [(SHADES[3], f"Surface selon le nombre ; au plus {_counted(top, unit)} par commune")]
    out += _legend(legend, boundaries.height + 20, circle=True)
    out.append("</svg>")
    return "\n".join(out) + "\n"

