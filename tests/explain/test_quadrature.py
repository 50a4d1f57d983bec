"""Our IG quadrature rules are Captum's, number for number (so IG needs no Captum, and no private
Captum module), and integrate what they should."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from captum.attr import IntegratedGradients
from torch import nn

from lstmfcn.explain.quadrature import NESTED_RULES, RULES, clenshaw_curtis, quadrature


class _Probe(nn.Module):
    """``f(z)[i] = z[i] · u[i]``: Captum's public IG call on the input 1 (baseline 0) runs one batch
    holding its points ``α_k`` (recorded here); with ``u = e_k`` the attribution is the ``k``-th weight."""

    def __init__(self, u: torch.Tensor) -> None:
        super().__init__()
        self.u, self.seen = u, []

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        self.seen.append(z.detach().flatten().clone())
        return (z.flatten() * self.u)[:, None]


def _captums_rule(rule: str, n: int) -> tuple[list[float], list[float]]:
    """Captum's weights and points for ``rule`` with ``n`` steps, through its public API only."""
    weights = []
    for k in range(n):
        probe = _Probe(torch.eye(n, dtype=torch.float64)[k])
        one = torch.ones(1, 1, dtype=torch.float64)
        attr = IntegratedGradients(probe).attribute(one, baselines=0 * one, target=0, n_steps=n, method=rule)
        weights.append(float(attr))
    return weights, probe.seen[-1].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("n", [2, 3, 7, 32, 50])
def test_the_rules_are_captums(rule, n):
    theirs_w, theirs_p = _captums_rule(rule, n)
    ours_w, ours_p = quadrature(rule, n)
    # Captum scales the gradients by its weights in a float32 tensor: equal to float32 rounding
    np.testing.assert_allclose(ours_w, theirs_w, rtol=1e-6)
    np.testing.assert_allclose(ours_p, theirs_p, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("n", [1, 2, 5, 32, 50, 128])
def test_gauss_legendre_is_numpys_leggauss_on_the_unit_interval(n):
    nodes, weights = np.polynomial.legendre.leggauss(n)
    assert quadrature("gausslegendre", n) == ((weights / 2).tolist(), ((nodes + 1) / 2).tolist())


@pytest.mark.parametrize("m", [1, 2, 4, 8, 64, 512])
def test_clenshaw_curtis_points_nest_and_its_weights_integrate_polynomials(m):
    w, p = clenshaw_curtis(m)
    w2, p2 = clenshaw_curtis(2 * m)
    np.testing.assert_array_equal(p2[::2], p)  # doubling the intervals keeps every point: only m new ones
    assert (np.diff(p) > 0).all() and p[0] == 0 and p[-1] == 1 and (w > 0).all()
    for degree in range(min(m, 9) + 1):  # exact up to degree m (the symmetric rule: m + 1 for even m)
        assert w @ p**degree == pytest.approx(1 / (degree + 1), rel=1e-12)
    assert quadrature("clenshaw_curtis", m + 1) == (w.tolist(), p.tolist())
    assert NESTED_RULES == ("clenshaw_curtis",)


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
    with pytest.raises(ValueError, match="at least 2 points"):
        quadrature("clenshaw_curtis", 1)
    assert quadrature("gausslegendre", 1) == ([1.0], [0.5])
