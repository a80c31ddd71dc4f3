"""The ESS radar with matplotlib (Agg, headless), rendered once per distinct data and cached on disk.

No pyplot: a Figure with its own Agg canvas holds no global state, so concurrent requests are safe.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import secrets
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

if TYPE_CHECKING:
    from budgetcitoyen.labelling.services.decisions import DossierReview

SCALE_MAX = 4
FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
# Bump when the drawing changes, so cached images of the old drawing are not served.
DRAWING_VERSION = 1
AGGREGATE_COLOUR = "#0b5e43"
MEMBER_COLOURS = ("#8a5a00", "#0b4f8a", "#a4161a", "#5b2a86", "#2f4f4f", "#b5179e")


@dataclass(frozen=True)
class RadarData:
    """What a radar shows: axis names, the aggregate per axis, and optionally each member's values."""

    axes: tuple[str, ...]
    aggregate: tuple[float, ...]
    members: tuple[tuple[str, tuple[float, ...]], ...] = field(default=())
    title: str = ""

    def cache_key(self, fmt: str) -> str:
        """A hash of everything drawn: the same data always maps to the same file."""
        payload = json.dumps({"v": DRAWING_VERSION, "fmt": fmt, **asdict(self)}, sort_keys=True,
                             ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def radar_data(review: DossierReview, title: str, *, with_members: bool) -> RadarData:
    """The radar of a review: the aggregate, and each member's polygon in the committee's view only."""
    result = review.result
    members: tuple[tuple[str, tuple[float, ...]], ...] = ()
    if with_members:
        members = tuple((f"Membre {index + 1}",
                         tuple(round(float(r.member_values[m]), 2) for r in result.axes))
                        for index, m in enumerate(result.members))
    return RadarData(tuple(r.axis.name for r in result.axes),
                     tuple(round(float(r.value), 2) for r in result.axes), members, title)


def _angles(count: int) -> list[float]:
    return [2 * math.pi * i / count for i in range(count)]


def figure(data: RadarData) -> Figure:
    """The radar as a matplotlib Figure (one spoke per axis, 0–4 scale, aggregate filled, members thin)."""
    if len(data.axes) < 3:
        raise ValueError("a radar needs at least three axes")
    if len(data.aggregate) != len(data.axes) or any(len(v) != len(data.axes) for _, v in data.members):
        raise ValueError("one value per axis")
    fig = Figure(figsize=(7.2, 7.2), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="polar")
    # First axis at the top, then clockwise, as radars are usually read.
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    angles = _angles(len(data.axes))
    closed = [*angles, angles[0]]
    ax.set_ylim(0, SCALE_MAX)
    ax.set_yticks(range(1, SCALE_MAX + 1))
    ax.set_yticklabels([str(v) for v in range(1, SCALE_MAX + 1)], fontsize=8, color="#4a4a4a")
    # Polar axes draw no tick at the centre: the 0 of the scale is written there by hand.
    ax.text(0, 0, "0", fontsize=8, color="#4a4a4a", ha="center", va="center", gid="scale-zero")
    ax.set_rlabel_position(360 / len(data.axes) / 2)
    ax.set_xticks(angles)
    ax.set_xticklabels(["\n".join(textwrap.wrap(name, 18)) for name in data.axes], fontsize=9)
    ax.tick_params(axis="x", pad=20)
    for index, (label, values) in enumerate(data.members):
        colour = MEMBER_COLOURS[index % len(MEMBER_COLOURS)]
        ax.plot(closed, [*values, values[0]], linewidth=1, linestyle="--", color=colour, label=label,
                gid=f"member-{index}")
    ax.fill(closed, [*data.aggregate, data.aggregate[0]], color=AGGREGATE_COLOUR, alpha=0.25,
            gid="aggregate-fill")
    ax.plot(closed, [*data.aggregate, data.aggregate[0]], linewidth=2.5, color=AGGREGATE_COLOUR,
            label="Agrégat du comité", gid="aggregate")
    if data.members:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(4, len(data.members) + 1),
                  fontsize=8, frameon=False)
    if data.title:
        fig.suptitle(data.title, fontsize=12)
    fig.subplots_adjust(left=0.18, right=0.82, top=0.8, bottom=0.16)
    return fig


def render(data: RadarData, fmt: str = "png") -> bytes:
    """Draw and encode, without any cache."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    buffer = io.BytesIO()
    # A fixed hash salt and no creation date: the same data gives the same SVG bytes.
    with matplotlib.rc_context({"svg.hashsalt": "budgetcitoyen"}):
        figure(data).savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buffer.getvalue()


class RadarCache:
    """Rendered radars on disk, keyed by the hash of their data: a repeated view costs no render."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, data: RadarData, fmt: str) -> Path:
        """Where the image of this data lives (whether or not it has been rendered yet)."""
        return self.folder / f"{data.cache_key(fmt)}.{fmt}"

    def get(self, data: RadarData, fmt: str = "png") -> Path:
        """The cached file, rendered first if missing (written atomically: no half-written image is ever
        served)."""
        path = self.path_for(data, fmt)
        if path.is_file():
            return path
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
        temporary.write_bytes(render(data, fmt))
        os.replace(temporary, path)
        return path


def values_from_figure(fig: Figure, gid: str) -> list[float]:
    """The radius values of a drawn polygon (for tests and checks: read from the figure, not from pixels)."""
    ax = fig.axes[0]
    for line in ax.get_lines():
        if line.get_gid() == gid:
            return [float(v) for v in line.get_ydata()][:-1]
    raise KeyError(gid)


def spoke_count(fig: Figure) -> int:
    """How many spokes (axis labels) the radar has."""
    return len(fig.axes[0].get_xticks())

