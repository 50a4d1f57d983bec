"""A known answer for the "because" sentences: class 1 is decided by a bump in steps 40–60 (see
``tests/helpers/planted.py``), so the stretch they name for class 1 must be there."""

from __future__ import annotations

import numpy as np
import pytest

from lstmfcn.because import because
from lstmfcn.explain import explain
from lstmfcn.explain.cam import class_activation_maps

WINDOW = (40, 60)


def overlaps_window(start: int, stop: int) -> bool:
    return start < WINDOW[1] and stop > WINDOW[0]


@pytest.mark.slow
def test_the_stretch_named_for_the_planted_class_is_the_bump(planted):
    model, X, y = planted
    ones = X[y == 1]
    res = class_activation_maps(model, ones)
    said = res.logits.argmax(1) == 1
    assert said.mean() >= 0.9  # the model learnt the bump
    ig = explain(model, ones, ["ig"], target=1, ig_steps=32)["ig"]  # (N, 1, T)
    for label, maps in (("CAM", res.cam[:, 1][:, None]), ("integrated gradients", ig)):
        hits = []
        for i in np.flatnonzero(said):
            b = because(maps[i], "1", method_label=label, predicted="1")
            hits.append(bool(b.supporting) and overlaps_window(b.supporting[0].start, b.supporting[0].stop))
        assert np.mean(hits) >= 0.8, f"{label}: the bump named first in {np.mean(hits):.0%} of the samples"
