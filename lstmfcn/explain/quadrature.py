"""Quadrature rules on [0, 1] for Integrated Gradients: where on the path from the baseline to the
input the gradient is taken (``points``) and how much each gradient counts (``weights``).

The rules of :data:`RULES` and their numbers are those Captum's ``IntegratedGradients`` uses for
the same names (tested equal), so our IG and the one-line Captum call agree; they are written here
so that IG needs no Captum (a GPU machine may have none) and no private Captum module.

:data:`NESTED_RULES` are ours: Clenshaw-Curtis, whose points with ``2m`` intervals include those
with ``m``, so adaptive IG that doubles the intervals computes only the new points (a Gauss-Legendre
rule shares no point with the next one and starts again).
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import UserInputError

#: The rules, by Captum's names: Gauss-Legendre, and Riemann sums with the point at each interval's
#: ends (trapezoid), middle, left or right end.
RULES = ("gausslegendre", "riemann_trapezoid", "riemann_middle", "riemann_left", "riemann_right")

#: Rules whose points nest when the intervals double (``n`` points → ``2n - 1``): Clenshaw-Curtis.
NESTED_RULES = ("clenshaw_curtis",)


def quadrature(rule: str, n_steps: int) -> tuple[list[float], list[float]]:
    """``(weights, points)`` of ``rule`` with ``n_steps`` points on [0, 1]. The weights sum to 1,
    but for the trapezoid rule, whose ``n`` points are ``1/(n-1)`` apart while Captum weighs each
    ``1/n`` (ends halved): its weights sum to ``1 - 1/n``. Kept, so that ours equals Captum's call.

    Riemann points are float32 (``torch.linspace``), as Captum makes them: the same points to the bit.

    Raises:
        ValueError: an unknown rule, fewer than 1 step, or fewer than 2 for a Riemann sum or
            Clenshaw-Curtis.
    """
    n = int(n_steps)
    if rule not in RULES + NESTED_RULES:
        raise UserInputError(f"unknown integration rule {rule!r}; choose one of {', '.join(RULES + NESTED_RULES)}")
    if rule == "clenshaw_curtis":
        if n < 2:
            raise UserInputError(f"Clenshaw-Curtis needs at least 2 points, got {n_steps}")
        weights, points = clenshaw_curtis(n - 1)
        return weights.tolist(), points.tolist()
    if rule == "gausslegendre":
        if n < 1:
            raise UserInputError(f"n_steps must be at least 1, got {n_steps}")
        nodes, weights = np.polynomial.legendre.leggauss(n)  # on [-1, 1]: halve onto [0, 1]
        return (0.5 * weights).tolist(), (0.5 * (1 + nodes)).tolist()
    if n < 2:
        raise UserInputError(f"a Riemann sum needs at least 2 steps, got {n_steps}")
    weights = [1 / n] * n
    if rule == "riemann_trapezoid":  # the two ends count half
        weights[0] /= 2
        weights[-1] /= 2
    start, stop = {
        "riemann_trapezoid": (0.0, 1.0),
        "riemann_left": (0.0, 1 - 1 / n),
        "riemann_middle": (1 / (2 * n), 1 - 1 / (2 * n)),
        "riemann_right": (1 / n, 1.0),
    }[rule]
    return weights, torch.linspace(start, stop, n).tolist()


def clenshaw_curtis(intervals: int) -> tuple[np.ndarray, np.ndarray]:
    """``(weights, points)``, float64 ``(intervals + 1,)``, of the Clenshaw-Curtis rule on [0, 1].

    Points ``(1 - cos(π j / m)) / 2`` for ``j = 0..m`` (``m = intervals``), both ends included, so
    the points with ``2m`` intervals at even ``j`` are those with ``m``: doubling adds only the ``m``
    odd ones. Weights from the cosine series (Trefethen, "Is Gauss quadrature better than
    Clenshaw-Curtis?", SIAM Review 2008, eq. 2.3): exact for polynomials of degree ``m``, and about
    as accurate as Gauss-Legendre with as many points on functions that are not polynomials.
    """
    m = int(intervals)
    if m < 1:
        raise UserInputError(f"Clenshaw-Curtis needs at least 1 interval, got {intervals}")
    theta = np.pi * np.arange(m + 1) / m
    k = np.arange(1, m // 2 + 1)
    b = np.where(2 * k == m, 1.0, 2.0)  # the last cosine term counts half when m is even
    series = (b / (4 * k**2 - 1) * np.cos(2 * np.outer(theta, k))).sum(axis=1)
    c = np.full(m + 1, 2.0)
    c[[0, -1]] = 1.0
    weights = c / m * (1 - series) / 2  # / 2: from [-1, 1] onto [0, 1]
    return weights, (1 - np.cos(theta)) / 2
