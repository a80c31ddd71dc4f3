"""The radar figure: one spoke per axis, the right values (read from the figure, not from pixels), the
cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetcitoyen.labelling.radar import (
    RadarCache,
    RadarData,
    figure,
    render,
    spoke_count,
    values_from_figure,
)

AXES = (
    "Utilité sociale",
    "Gouvernance démocratique",
    "Coopération",
    "Ancrage territorial",
    "Lucrativité limitée",
)
DATA = RadarData(
    AXES,
    (3.5, 1.0, 2.25, 3.0, 0.0),
    (("Membre A", (4.0, 2.0, 3.0, 3.0, 0.0)), ("Membre B", (3.0, 0.0, 1.5, 3.0, 0.0))),
    "Essai",
)


def test_one_spoke_per_axis_and_the_values_drawn() -> None:
    fig = figure(DATA)
    assert spoke_count(fig) == len(AXES)
    assert [t.get_text().replace("\n", " ") for t in fig.axes[0].get_xticklabels()] == list(AXES)
    assert values_from_figure(fig, "aggregate") == [3.5, 1.0, 2.25, 3.0, 0.0]
    assert values_from_figure(fig, "member-1") == [3.0, 0.0, 1.5, 3.0, 0.0]
    assert fig.axes[0].get_ylim() == (0.0, 4.0)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["1", "2", "3", "4"]
    assert [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "scale-zero"] == ["0"]


def test_public_radar_has_no_member_polygons() -> None:
    fig = figure(RadarData(AXES, DATA.aggregate))
    assert [line.get_gid() for line in fig.axes[0].get_lines()] == ["aggregate"]


def test_bad_data_is_refused() -> None:
    with pytest.raises(ValueError):
        figure(RadarData(AXES[:2], (1.0, 2.0)))
    with pytest.raises(ValueError):
        figure(RadarData(AXES, (1.0,)))


def test_png_and_svg() -> None:
    assert render(DATA, "png").startswith(b"\x89PNG")
    svg = render(DATA, "svg")
    assert b"<svg" in svg and svg == render(DATA, "svg")


def test_cache_renders_once_per_distinct_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import budgetcitoyen.labelling.radar as radar

    calls: list[str] = []
    real_render = radar.render
    monkeypatch.setattr(radar, "render", lambda data, fmt="png": calls.append(fmt) or real_render(data, fmt))
    cache = RadarCache(tmp_path)
    first = cache.get(DATA, "png")
    again = cache.get(DATA, "png")
    assert first == again and calls == ["png"]
    changed = RadarData(AXES, (3.5, 1.0, 2.25, 3.0, 0.5))
    assert cache.get(changed, "png") != first and calls == ["png", "png"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left
