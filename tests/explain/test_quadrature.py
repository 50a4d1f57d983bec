"""Our IG quadrature rules are Captum's, number for number (so IG needs no Captum, and no private
Captum module), and integrate what they should."""

from __future__ import annotations

import numpy as np
import pytest
from captum.attr._utils.approximation_methods import approximation_parameters

from lstmfcn.explain.quadrature import RULES, quadrature


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n", [2, 3, 7, 32, 50, 128])
def test_the_rules_are_captums_to_the_bit(rule, n):
    weights, points = approximation_parameters(rule)
    assert quadrature(rule, n) == (weights(n), points(n))


@pytest.mark.parametrize("rule", RULES)
def test_the_weights_integrate_a_polynomial_on_the_unit_interval(rule):
    weights, points = map(np.asarray, quadrature(rule, 64))
    assert weights.sum() == pytest.approx(1 - 1 / 64 if rule == "riemann_trapezoid" else 1.0)  # Captum's 1/n
    assert (points >= 0).all() and (points <= 1).all()
    assert weights @ points**2 == pytest.approx(1 / 3, abs=1e-2)  # ∫x² (a 64-point sum, ends 1/64 off at most)


def test_gauss_legendre_with_few_points_is_exact_for_low_degrees():
    weights, points = map(np.asarray, quadrature("gausslegendre", 3))
    assert weights @ points**5 == pytest.approx(1 / 6, rel=1e-12)


def test_bad_rules_and_step_counts_are_refused():
    with pytest.raises(ValueError, match="unknown integration rule"):
        quadrature("simpson", 8)
    with pytest.raises(ValueError, match="at least 2 steps"):
        quadrature("riemann_left", 1)
    assert quadrature("gausslegendre", 1) == ([1.0], [0.5])
