"""Probabilities in words, for sentences, titles and tables: never rounded to a certainty the
model did not state (0.99998 is "over 99.9%", not "100.0%" or "1.00")."""

from __future__ import annotations

import numpy as np


def percent(p: float) -> str:
    """A probability for a sentence: ``"87.3%"``, but ``"over 99.9%"`` rather than a rounded ``"100.0%"``
    the model never said (and ``"under 0.1%"`` rather than ``"0.0%"``)."""
    if p >= 0.9995:
        return "over 99.9%"
    if p < 0.0005:
        return "under 0.1%"
    return f"{p:.1%}"


def p_equals(p: float) -> str:
    """``"p = 87.3%"``, ``"p > 99.9%"`` or ``"p < 0.1%"``: a probability in a title or a label."""
    said = percent(p)
    if said.startswith("over "):
        return f"p > {said[5:]}"
    if said.startswith("under "):
        return f"p < {said[6:]}"
    return f"p = {said}"


def shown_probability(p, digits: int = 4):
    """Probabilities cut to ``digits`` decimals towards 0.5, for a table: 0.99998 shows as 0.9999
    and 0.00002 as 0.0001, so a table never reads 1.0000 or 0.0000 unless the model said so
    exactly; every digit shown is one the model said. Works on scalars and arrays."""
    q = 10.0**digits
    a = np.asarray(p, dtype=np.float64)
    out = np.where(a >= 0.5, np.floor(a * q) / q, np.ceil(a * q) / q)
    exact = (a == 0.0) | (a == 1.0)
    return np.where(exact, a, np.clip(out, 1 / q, 1 - 1 / q))


def fixed(x: float, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, never a negative zero: -0.00004 is ``"0.000"``, not ``"-0.000"``
    (a sign the number does not have at the precision shown)."""
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def small_number(x: float) -> str:
    """A number that may be tiny, for a table or a sentence: ``"0.031"``, ``"1.3e-07"`` (never a
    rounded ``"0"`` for a p-value of 1.25e-07); ``"n/a"`` for NaN."""
    if x != x:  # NaN
        return "n/a"
    return f"{x:.2g}" if x == 0 or abs(x) >= 0.001 else f"{x:.2e}".replace("e-0", "e-")
