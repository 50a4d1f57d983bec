"""The shaded stretches on a map's chart: where the "because" says, labelled with its shares, in colours no class has."""

from __future__ import annotations

import numpy as np

from lstmfcn import figures as F
from lstmfcn.because import because, percent_words
from lstmfcn.figures.stretches import AGAINST_HIGHLIGHT, FOR_HIGHLIGHT


def bump(T: int, centre: float, sigma: float) -> np.ndarray:
    return np.exp(-0.5 * ((np.arange(T) - centre) / sigma) ** 2)


def bands(fig) -> list[tuple[float, float, str, str]]:
    return [(s.x0, s.x1, s.fillcolor, s.yref) for s in fig.layout.shapes if s.type == "rect"]


def labels(fig) -> list[str]:
    return [
        a.text
        for a in fig.layout.annotations
        if a.text and (a.text.startswith(("for ", "against ")) or a.text.endswith(" of the map"))
    ]


def test_univariate_bands_cover_the_stretches_named():
    ev = bump(100, 30, 4) - 0.8 * bump(100, 70, 4)
    b = because(ev[None], "Gun")
    fig = F.shade_stretches(F.map_series_figure(np.sin(np.arange(100) / 5), ev), b)
    (s,), (o,) = b.supporting, b.opposing
    got = bands(fig)
    assert [(x0, x1, c) for x0, x1, c, _ in got] == [
        (s.start - 0.5, s.stop - 0.5, FOR_HIGHLIGHT),
        (o.start - 0.5, o.stop - 0.5, AGAINST_HIGHLIGHT),
    ]
    assert labels(fig) == [f"for Gun: {percent_words(s.share)}", f"against Gun: {percent_words(o.share)}"]
    assert F.shading_note(b) == (
        " The yellow band is the stretch that speaks for Gun, labelled with its share of the evidence for it; "
        "the grey dashed band is the stretch that speaks most against it."
    )


def test_a_map_over_time_is_shaded_in_every_row_and_labelled_once():
    ev = bump(100, 30, 4)
    fig = F.map_series_figure(np.zeros((3, 100)), ev, var_names=["a", "b", "c"])  # map row + 3 variables
    F.shade_stretches(fig, because(ev[None], "walk", variable_names=["a", "b", "c"]))
    assert sorted({yref for *_, yref in bands(fig)}) == ["y domain", "y2 domain", "y3 domain", "y4 domain"]
    assert len(labels(fig)) == 1


def test_a_variables_stretch_is_shaded_in_its_own_row():
    ev = np.full((3, 80), 0.01)
    ev[2] += bump(80, 40, 3)
    b = because(ev, "walk")
    fig = F.shade_stretches(F.map_series_figure(np.zeros((3, 80)), ev), b)
    assert b.supporting[0].variable == 2
    assert [yref for *_, yref in bands(fig)] == ["y3 domain"]


def test_a_stretch_of_a_variable_not_drawn_is_not_shaded():
    ev = np.full((8, 80), 0.01)
    ev[5] += bump(80, 40, 3)
    b = because(ev, "walk")
    drawn = [0, 5, 7]
    fig = F.shade_stretches(F.map_series_figure(np.zeros((3, 80)), ev[drawn]), b, variables=drawn)
    assert [yref for *_, yref in bands(fig)] == ["y2 domain"]
    fig = F.shade_stretches(F.map_series_figure(np.zeros((2, 80)), ev[[0, 1]]), b, variables=[0, 1])
    assert bands(fig) == []


def test_shading_colours_are_no_class_colour_and_nothing_shaded_says_nothing():
    assert not {FOR_HIGHLIGHT, AGAINST_HIGHLIGHT} & set(F.class_colors(40))
    thin = because(np.ones((1, 50)), "Gun")
    fig = F.shade_stretches(F.map_series_figure(np.zeros(50), np.ones(50)), thin)
    assert bands(fig) == [] and F.shading_note(thin) == ""


def test_a_map_without_sign_labels_its_bands_as_shares_of_the_map_and_labels_take_turns():
    sal = 0.02 + bump(120, 30, 3) + bump(120, 45, 3)
    b = because(sal[None], "2", method_label="Saliency", signed=False)
    fig = F.shade_stretches(F.map_series_figure(np.zeros(120), sal), b)
    assert sorted(labels(fig)) == sorted(f"{percent_words(s.share)} of the map" for s in b.supporting)
    assert not any("for" in t for t in labels(fig)) and "largest" in F.shading_note(b)
    places = [a.yanchor for a in fig.layout.annotations if a.text and a.text.endswith("of the map")]
    assert len(places) == 2 and places[0] != places[1]  # neighbours: one label on top, one below
    signed = because(bump(120, 30, 3)[None], "2")
    assert labels(F.shade_stretches(F.map_series_figure(np.zeros(120), bump(120, 30, 3)), signed)) == [
        f"for class 2: {percent_words(signed.supporting[0].share)}"
    ]
