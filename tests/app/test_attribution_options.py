"""The Attributions page draws a method's options from its options type: a new method's option appears
with its label and reaches the method, without an edit to the page."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lstmfcn.explain import METHODS
from lstmfcn.explain.methods import MethodSpec
from lstmfcn.explain.options import MethodOptions, flag, widget

CALLS: list[int] = []


@dataclass(frozen=True)
class WidthOptions(MethodOptions):
    """A method one test adds: one option with a flag and a widget."""

    width: int = field(
        default=3,
        metadata={
            **flag("--fake-width", "the fake method's width", type=int),
            **widget("Fake width (steps)", "How wide the fake method looks.", most="length", placeholder="3"),
        },
    )
    spread: float = field(
        default=0.1,
        metadata={
            **flag("--fake-spread", "the fake method's spread", type=float),
            **widget("Fake spread", "A fraction.", least=0.0, most=1.0, step=0.05, placeholder="{spread}"),
        },
    )


def fake_method(model, x, target, *, lengths=None, batch_size=None, progress=None, width=3, spread=0.1) -> np.ndarray:
    CALLS.append((width, spread))
    return np.full(np.shape(x), float(width), np.float32)


def test_a_new_methods_option_is_drawn_on_the_attributions_page_and_reaches_the_method(app, monkeypatch):
    monkeypatch.setitem(
        METHODS, "fake", MethodSpec("fake", "Fake map", "Every value is the width.", fake_method, WidthOptions)
    )
    CALLS.clear()
    at = app()
    at.switch_page("pages/attributions.py").run()
    at.multiselect(key="attr_methods").set_value(["cam", "fake"]).run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.number_input(key="attr_fake_width")
    assert box.label == "Fake width (steps)" and box.value is None  # empty: the method's default
    assert box.proto.placeholder == "3" and box.max == 150  # GunPoint's series are 150 steps long
    assert CALLS == [(3, 0.1)]
    box.set_value(5).run()
    assert not at.exception, [e.value for e in at.exception]
    assert CALLS == [(3, 0.1), (5, 0.1)]
    # a fraction: a box of decimals with the bounds its widget states, whatever the series' length
    spread = at.number_input(key="attr_fake_spread")
    assert (spread.label, spread.min, spread.max, spread.step) == ("Fake spread", 0.0, 1.0, 0.05)
    assert spread.proto.placeholder == "0.1" and spread.value is None
    spread.set_value(0.25).run()
    assert not at.exception, [e.value for e in at.exception]
    assert CALLS[-1] == (5, 0.25)
    assert not [n for n in at.number_input if n.key == "attr_window"]  # occlusion's options: not wanted, not drawn
