"""Property tests: the verdicts' words follow their numbers (issue #26). Whatever the AOPCs, a
faithfulness or comparison verdict prints them as they are (no "-0.000"), says "cannot tell" exactly
when no curve moves, and otherwise says yes/no or names the more faithful map by the stated rule."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmfcn import compare as C
from lstmfcn.explain.faithfulness_scores import FLAT_BELOW, MethodFaithfulness, PerturbationCurves
from lstmfcn.words import fixed

aopc = st.one_of(st.floats(-0.02, 0.02), st.floats(-1, 1))
CURVES = PerturbationCurves(np.linspace(0, 1, 3), np.ones((2, 3)), np.ones((2, 3)))


@settings(max_examples=200, deadline=None)
@given(aopc, aopc, aopc, aopc, st.booleans())
def test_faithfulness_verdict_follows_its_numbers(dele, ins, rnd_del, rnd_ins, better):
    said = MethodFaithfulness("ig", CURVES, dele, ins, np.zeros(2), 0.01, better).verdict("IG", rnd_del, rnd_ins)
    for value in (dele, ins, rnd_del, rnd_ins):
        assert fixed(value) in said
    assert "-0.000" not in said
    flat = max(abs(dele), abs(ins), abs(rnd_del), abs(rnd_ins)) < FLAT_BELOW
    assert ("cannot tell" in said) == flat
    if not flat:
        assert (": yes" in said) == better and (": no" in said) == (not better)


@settings(max_examples=200, deadline=None)
@given(aopc, aopc)
def test_comparison_verdict_follows_its_numbers(aopc_a, aopc_b):
    cam = np.linspace(-1, 1, 20)

    def view(a):
        return C.ModelView(np.array([0.7, 0.3]), "x", 0, cam, cam[None], a, 20)

    res = C.compare_views(view(aopc_a), view(aopc_b), "x", "ig")
    said = res.verdict("A", "B", "Gun")
    assert f"{fixed(aopc_a)} for A" in said and f"{fixed(aopc_b)} for B" in said and "-0.000" not in said
    if max(abs(aopc_a), abs(aopc_b)) < C.AOPC_TIE:
        assert res.more_faithful == "undecided" and "cannot tell" in said
    elif abs(aopc_a - aopc_b) < C.AOPC_TIE:
        assert res.more_faithful == "tie" and "about as faithful" in said
    else:
        better = "A" if aopc_a > aopc_b else "B"
        assert said.startswith(f"On this sample {better}'s map is more faithful")
