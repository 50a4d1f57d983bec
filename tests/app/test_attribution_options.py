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


def fake_method(model, x, target, *, lengths=None, batch_size=None, progress=None, width=3) -> np.ndarray:
    CALLS.append(width)
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
    assert CALLS == [3]
    box.set_value(5).run()
    assert not at.exception, [e.value for e in at.exception]
    assert CALLS == [3, 5]
    assert not [n for n in at.number_input if n.key == "attr_window"]  # occlusion's options: not wanted, not drawn
