"""The results charts with matplotlib (Agg, headless), as SVG with a <title> and a <desc>.

No Flask and no database here: a chart is described by a `ChartSpec` of plain values (built from the
stored result and its figures) and drawn. Published results never change, so their charts are drawn once,
at or just after the publication, and stored with the published files (budgetcitoyen.results.figures).

As for the radar (budgetcitoyen/labelling/radar.py), no pyplot: a Figure with its own Agg canvas
holds no global state, so concurrent requests are safe.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

import matplotlib
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from budgetcitoyen.french import euros, number, percent, whole_euros

MIMETYPE = "image/svg+xml"
MARKED_COLOUR = "#0b5e43"  # the site's green: 9.9:1 on white
OTHER_COLOUR = "#767676"  # grey, 4.5:1 on white
# Winners and what is spent are solid, the others hatched: told apart without colour.
OTHER_HATCH = "///"
TEXT_COLOUR = "#1a1a1a"
LABEL_WIDTH = 40  # characters of an initiative's title on the chart (the table has it whole)
KINDS = ("bars", "split", "pairs")


def share(part: int | Decimal, whole: int | Decimal) -> str:
    """« 12,3 % »: part of whole, one decimal; « — » when the whole is zero."""
    if not whole:
        return "—"
    return percent(Decimal(part) / Decimal(whole))


def short(label: str, width: int = LABEL_WIDTH) -> str:
    """A label cut at a word boundary, with an ellipsis, to keep the chart readable."""
    return textwrap.shorten(" ".join(label.split()), width=width, placeholder="…") or label[:width]


@dataclass(frozen=True)
class ChartSpec:
    """Everything a chart shows, as plain values (amounts as strings: Decimal is not JSON).

    kind "bars": one horizontal bar per label, `marked` bars solid green with their label in bold and
    the others hatched grey, with a legend (without `marked`, every bar is solid); values are counts.
    kind "split": one bar of `total` split in consecutive parts (the envelope: spent, then what is
    left), the first part solid, the others hatched; values are amounts in euros.
    kind "pairs": two bars per label, `values` solid (what was granted) above `compared` hatched (the
    envelope), in euros, with `marked_label` and `other_label` as their legend.
    `title` becomes the SVG <title>, `description` its <desc> (the text alternative).
    """

    kind: str
    title: str
    description: str
    labels: tuple[str, ...]
    values: tuple[str, ...]
    marked: tuple[bool, ...] = field(default=())
    marked_label: str = ""
    other_label: str = ""
    axis_label: str = ""
    compared: tuple[str, ...] = field(default=())
    value_suffix: str = ""  # after each bar's value: « 84 % » on a chart of shares

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind}")
        if len(self.values) != len(self.labels) or (self.marked and len(self.marked) != len(self.labels)):
            raise ValueError("one value (and one mark) per label")
        if self.kind == "pairs" and len(self.compared) != len(self.labels):
            raise ValueError("one compared value per label")


def _bars(fig: Figure, spec: ChartSpec) -> None:
    values = [int(v) for v in spec.values]
    ax = fig.add_subplot()
    positions = list(range(len(values)))
    # Without marks (participation), every bar is solid: there is nothing to tell apart.
    marked = spec.marked or (True,) * len(values)
    bars = ax.barh(positions, values, height=0.7,
                   color=[MARKED_COLOUR if m else "white" for m in marked],
                   edgecolor=[MARKED_COLOUR if m else OTHER_COLOUR for m in marked],
                   hatch=None, linewidth=1, gid="bars")
    for bar, is_marked in zip(bars, marked, strict=True):
        if not is_marked:
            bar.set_hatch(OTHER_HATCH)
    ax.set_yticks(positions)
    ax.set_yticklabels([short(label) for label in spec.labels], fontsize=9, color=TEXT_COLOUR)
    for tick, is_marked in zip(ax.get_yticklabels(), marked, strict=True):
        if is_marked and spec.marked:
            tick.set_fontweight("bold")
    ax.invert_yaxis()  # the first label at the top, as the table below reads
    top = max(values, default=0) or 1
    ax.set_xlim(0, top * 1.15)
    for position, value in zip(positions, values, strict=True):
        ax.text(value + top * 0.01, position, number(value) + spec.value_suffix, va="center", fontsize=8.5,
                color=TEXT_COLOUR)
    # Whole numbers only: with a handful of votes, matplotlib would tick every half vote.
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: number(int(x))))
    ax.tick_params(axis="x", labelsize=8.5, colors=TEXT_COLOUR)
    ax.spines[["top", "right"]].set_visible(False)
    if spec.axis_label:
        ax.set_xlabel(spec.axis_label, fontsize=9.5, color=TEXT_COLOUR)
    if spec.marked and any(marked) and spec.marked_label:
        handles = [Patch(facecolor=MARKED_COLOUR, edgecolor=MARKED_COLOUR, label=spec.marked_label)]
        if spec.other_label and not all(marked):
            handles.append(Patch(facecolor="white", edgecolor=OTHER_COLOUR, hatch=OTHER_HATCH,
                                 label=spec.other_label))
        ax.legend(handles=handles, loc="lower right", fontsize=9, frameon=True)


def _split(fig: Figure, spec: ChartSpec) -> None:
    amounts = [Decimal(v) for v in spec.values]
    total = sum(amounts, Decimal(0))
    ax = fig.add_subplot()
    left = Decimal(0)
    handles = []
    for index, (label, amount) in enumerate(zip(spec.labels, amounts, strict=True)):
        solid = index == 0
        ax.barh([0], [float(amount)], left=float(left), height=0.6,
                color=MARKED_COLOUR if solid else "white", edgecolor=MARKED_COLOUR if solid else OTHER_COLOUR,
                hatch=None if solid else OTHER_HATCH, linewidth=1, gid=f"part-{index}")
        handles.append(Patch(facecolor=MARKED_COLOUR if solid else "white",
                             edgecolor=MARKED_COLOUR if solid else OTHER_COLOUR,
                             hatch=None if solid else OTHER_HATCH,
                             label=f"{label} : {euros(amount)} ({share(amount, total)})"))
        left += amount
    ax.set_xlim(0, float(total) or 1)
    ax.set_ylim(-0.6, 0.6)
    ax.set_yticks([])
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: whole_euros(x)))
    ax.tick_params(axis="x", labelsize=8.5, colors=TEXT_COLOUR)
    ax.spines[["top", "right", "left"]].set_visible(False)
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.02, 0.02), ncol=2, fontsize=9.5,
               frameon=False)


def _pairs(fig: Figure, spec: ChartSpec) -> None:
    solid = [float(Decimal(v)) for v in spec.values]
    hatched = [float(Decimal(v)) for v in spec.compared]
    ax = fig.add_subplot()
    positions = list(range(len(solid)))
    height = 0.38
    ax.barh([p - height / 2 for p in positions], solid, height=height, color=MARKED_COLOUR,
            edgecolor=MARKED_COLOUR, linewidth=1, gid="solid")
    ax.barh([p + height / 2 for p in positions], hatched, height=height, color="white",
            edgecolor=OTHER_COLOUR, hatch=OTHER_HATCH, linewidth=1, gid="hatched")
    ax.set_yticks(positions)
    ax.set_yticklabels([short(label) for label in spec.labels], fontsize=9, color=TEXT_COLOUR)
    ax.invert_yaxis()  # the first label at the top, as the table reads
    top = max(solid + hatched, default=0) or 1
    ax.set_xlim(0, top * 1.3)
    for offset, values in ((-height / 2, solid), (height / 2, hatched)):
        for position, value in zip(positions, values, strict=True):
            ax.text(value + top * 0.01, position + offset, whole_euros(value), va="center", fontsize=8,
                    color=TEXT_COLOUR)
    ax.xaxis.set_major_locator(ticker.MaxNLocator(4))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _: whole_euros(x)))
    ax.tick_params(axis="x", labelsize=8.5, colors=TEXT_COLOUR)
    ax.spines[["top", "right"]].set_visible(False)
    if spec.axis_label:
        ax.set_xlabel(spec.axis_label, fontsize=9.5, color=TEXT_COLOUR)
    ax.legend(handles=[Patch(facecolor=MARKED_COLOUR, edgecolor=MARKED_COLOUR, label=spec.marked_label),
                       Patch(facecolor="white", edgecolor=OTHER_COLOUR, hatch=OTHER_HATCH,
                             label=spec.other_label)],
              # Below the axis: in the plot, it would hide the longest bars (the latest editions).
              loc="upper left", bbox_to_anchor=(0, -0.22), ncol=2, fontsize=9, frameon=False)


def figure(spec: ChartSpec) -> Figure:
    """The chart as a matplotlib Figure."""
    if spec.kind == "pairs":
        fig = Figure(figsize=(7.5, 1.9 + 0.6 * max(len(spec.labels), 2)), dpi=100)
        FigureCanvasAgg(fig)
        _pairs(fig, spec)
    elif spec.kind == "bars":
        height = 1.2 + 0.32 * max(len(spec.labels), 3)
        # Not wider than needed: on a phone the image is scaled down to the screen's width.
        fig = Figure(figsize=(7.5, height), dpi=100)
        FigureCanvasAgg(fig)
        _bars(fig, spec)
    else:
        fig = Figure(figsize=(7.5, 2.2), dpi=100)
        FigureCanvasAgg(fig)
        _split(fig, spec)
    fig.suptitle(spec.title, fontsize=11.5, color=TEXT_COLOUR, x=0.02, ha="left")
    if spec.kind != "split":
        fig.tight_layout()
        # Laid out once: without this, tight_layout leaves a placeholder layout engine for which savefig
        # draws the whole figure once more before drawing it (the same bytes, a third of the time).
        fig.set_layout_engine(None)
    else:
        # Room below the bar for the legend, which tight_layout would not count.
        fig.subplots_adjust(left=0.03, right=0.93, top=0.78, bottom=0.42)
    return fig


_SVG_OPEN = re.compile(rb"<svg\b[^>]*>")


def _with_title(svg: bytes, title: str, description: str) -> bytes:
    """The SVG with a <title> and a <desc> as its first children: what a screen reader or a browser's
    tooltip gives for the image, and what makes the file understandable on its own."""
    match = _SVG_OPEN.search(svg)
    if match is None:
        raise ValueError("matplotlib produced no <svg> element")
    head = match.group(0)
    labelled = head[:-1] + b' role="img" aria-labelledby="titre-graphique desc-graphique">'
    inserted = (f'\n <title id="titre-graphique">{escape(title)}</title>'
                f'\n <desc id="desc-graphique">{escape(description)}</desc>').encode()
    return svg[:match.start()] + labelled + inserted + svg[match.end():]


def render(spec: ChartSpec) -> bytes:
    """Draw and encode as SVG, without any cache."""
    buffer = io.BytesIO()
    # A fixed hash salt and no creation date: the same data gives the same SVG bytes.
    with matplotlib.rc_context({"svg.hashsalt": "budgetcitoyen", "hatch.linewidth": 0.8}):
        figure(spec).savefig(buffer, format="svg", metadata={"Date": None})
    return _with_title(buffer.getvalue(), spec.title, spec.description)


# --- the four charts of the results page ------------------------------------------------------


def votes_chart(rows: list[tuple[str, int, bool]], voters: int) -> ChartSpec:
    """Votes per initiative, in ranking order; rows are (title, votes, funded)."""
    winners = sum(1 for _, _, funded in rows if funded)
    if rows:
        first, last = rows[0], rows[-1]
        summary = (f"Diagramme en barres horizontales des voix de chacune des {len(rows)} initiatives, dans "
                   f"l'ordre du classement : de {number(first[1])} voix (« {first[0]} ») à {number(last[1])} "
                   f"voix (« {last[0]} »), pour {number(voters)} votants. Les {winners} lauréates sont en "
                   f"vert plein et leur nom en gras, les autres hachurées en gris.")
    else:
        summary = "Aucune initiative n'était soumise au vote."
    return ChartSpec(
        kind="bars", title="Voix par initiative", description=summary,
        labels=tuple(title for title, _, _ in rows), values=tuple(str(votes) for _, votes, _ in rows),
        marked=tuple(funded for _, _, funded in rows), marked_label="Lauréate (financée)",
        other_label="Non retenue", axis_label="Nombre de voix",
    )


def envelope_chart(envelope: Decimal, spent: Decimal, remaining: Decimal) -> ChartSpec:
    """The envelope: what the winners receive, then what is left."""
    summary = (f"Barre de l'enveloppe de {euros(envelope)} : {euros(spent)} attribués aux lauréates "
               f"({share(spent, envelope)}, en vert plein), {euros(remaining)} restants "
               f"({share(remaining, envelope)}, hachuré en gris).")
    return ChartSpec(kind="split", title=f"Enveloppe utilisée et restante (sur {euros(envelope)})",
                     description=summary, labels=("Attribué aux lauréates", "Reste"),
                     values=(str(spent), str(remaining)))


def participation_chart(title: str, what: str, rows: list[tuple[str, int]]) -> ChartSpec:
    """Voters per group (territory, age band); `what` names the groups in the text alternative."""
    total = sum(n for _, n in rows)
    parts = " ; ".join(f"{label} : {number(n)} ({share(n, total)})" for label, n in rows)
    summary = f"Diagramme en barres horizontales des votants par {what}, {number(total)} au total. {parts}."
    return ChartSpec(kind="bars", title=title, description=summary, labels=tuple(label for label, _ in rows),
                     values=tuple(str(n) for _, n in rows), axis_label="Nombre de votants")



def money_chart(rows: list[tuple[str, Decimal, Decimal]]) -> ChartSpec:
    """Per edition, the amount granted to the winners beside the envelope; rows are (edition, envelope,
    granted), oldest first as in the voters' chart."""
    parts = " ; ".join(f"{label} : {euros(granted)} attribués sur {euros(envelope)} "
                       f"({share(granted, envelope)})" for label, envelope, granted in rows)
    summary = (f"Diagramme en barres horizontales, pour chacune des {len(rows)} éditions, du montant "
               f"attribué aux lauréates (vert plein) et de l'enveloppe (hachurée en gris). {parts}."
               if rows else "Aucune édition n'a encore publié ses résultats.")
    return ChartSpec(kind="pairs", title="Montant attribué et enveloppe par édition", description=summary,
                     labels=tuple(label for label, _, _ in rows),
                     values=tuple(str(granted) for _, _, granted in rows),
                     compared=tuple(str(envelope) for _, envelope, _ in rows),
                     marked_label="Attribué aux lauréates", other_label="Enveloppe", axis_label="Euros")
