"""Faithfulness and sanity checks end in a verdict in words, consistent with their numbers."""

from __future__ import annotations

import numpy as np

from lstmfcn.explain.faithfulness_scores import MethodFaithfulness, PerturbationCurves
from lstmfcn.explain.sanity import PASS_BELOW, SanityResult


def method(better: bool, p: float = 0.002) -> MethodFaithfulness:
    curves = PerturbationCurves(np.linspace(0, 1, 3), np.ones((4, 3)), np.ones((4, 3)))
    return MethodFaithfulness("ig", curves, 0.31, 0.25, np.ones(4), p, better)


def test_faithfulness_verdict_says_yes_or_no_with_the_numbers():
    yes = method(True).verdict("Integrated Gradients", 0.12, 0.10)
    assert yes.startswith("Integrated Gradients explains this model better than random order: yes")
    assert "AOPC 0.310 vs 0.120 when deleting, 0.250 vs 0.100 when inserting, p = 0.002" in yes
    no = method(False, p=float("nan")).verdict("Saliency", 0.4, 0.3)
    assert ": no, " in no and "p =" not in no


def test_a_flat_check_says_it_cannot_tell_and_prints_tiny_p_values():
    flat = MethodFaithfulness("ig", method(True).curves, 0.0004, -0.00003, np.zeros(4), 1.25e-07, False)
    said = flat.verdict("IG", 0.0002, 0.0)
    assert "cannot tell" in said and ": no" not in said and "-0.000" not in said
    assert "p = 1.25e-7" in said and "p = 0," not in said


def test_sanity_verdict_follows_the_threshold():
    changed = SanityResult("ig", 0.2, PASS_BELOW - 0.01, {})
    same = SanityResult("saliency", 0.95, 0.91, {})
    assert changed.passes() and "passes the sanity check" in changed.verdict("IG")
    assert not same.passes() and "fails the sanity check" in same.verdict("Saliency") and "0.91" in same.verdict("x")
    assert "could not be scored" in SanityResult("x", np.nan, np.nan, {}).verdict("X")
