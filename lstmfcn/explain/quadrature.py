"""Quadrature rules on [0, 1] for Integrated Gradients: where on the path from the baseline to the
input the gradient is taken (``points``) and how much each gradient counts (``weights``).

The rules and their numbers are those Captum's ``IntegratedGradients`` uses for the same names
(tested equal), so our IG and the one-line Captum call agree; they are written here so that IG
needs no Captum (a GPU machine may have none) and no private Captum module.
"""

from __future__ import annotations

import numpy as np
import torch

#: The rules, by Captum's names: Gauss-Legendre, and Riemann sums with the point at each interval's
#: ends (trapezoid), middle, left or right end.
RULES = ("gausslegendre", "riemann_trapezoid", "riemann_middle", "riemann_left", "riemann_right")


def quadrature(rule: str, n_steps: int) -> tuple[list[float], list[float]]:
    """``(weights, points)`` of ``rule`` with ``n_steps`` points on [0, 1]. The weights sum to 1,
    but for the trapezoid rule, whose ``n`` points are ``1/(n-1)`` apart while Captum weighs each
    ``1/n`` (ends halved): its weights sum to ``1 - 1/n``. Kept, so that ours equals Captum's call.

    Riemann points are float32 (``torch.linspace``), as Captum makes them: the same points to the bit.

    Raises:
        ValueError: an unknown rule, fewer than 1 step, or fewer than 2 for a Riemann sum.
    """
    n = int(n_steps)
    if rule not in RULES:
        raise ValueError(f"unknown integration rule {rule!r}; choose one of {', '.join(RULES)}")
    if rule == "gausslegendre":
        if n < 1:
            raise ValueError(f"n_steps must be at least 1, got {n_steps}")
        nodes, weights = np.polynomial.legendre.leggauss(n)  # on [-1, 1]: halve onto [0, 1]
        return (0.5 * weights).tolist(), (0.5 * (1 + nodes)).tolist()
    if n < 2:
        raise ValueError(f"a Riemann sum needs at least 2 steps, got {n_steps}")
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
