"""The tests the detectors share, from scipy where scipy has them.

Every detector turns each organ into one p-value against that organ's baseline and then
controls the false-discovery rate across organs with Benjamini-Hochberg: among many
thousands of organs some will look odd by chance, and BH keeps the expected share of
those among the flags at ``q``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

#: false-discovery rate the detectors control by default
FDR = 0.05


def bh(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same order as given."""
    if not len(p_values):
        return np.zeros(0)
    return np.asarray(stats.false_discovery_control(np.asarray(p_values, dtype=float)))


def binom_upper(x: int, n: int, p: float) -> float:
    """P(X >= x) for X ~ Binomial(n, p)."""
    return float(stats.binom.sf(x - 1, n, min(max(p, 1e-9), 1 - 1e-9)))


def binom_lower(x: int, n: int, p: float) -> float:
    """P(X <= x) for X ~ Binomial(n, p)."""
    return float(stats.binom.cdf(x, n, min(max(p, 1e-9), 1 - 1e-9)))


def logit_shift(a1: int, b1: int, a0: int, b0: int, expected: float) -> tuple[float, float]:
    """How far an organ's log-odds moved from one period to the next beyond ``expected``.

    ``a`` counts the event, ``b`` the rest, ``1`` the period, ``0`` the one before. Returns
    (shift, one-sided p that the shift is this large by chance) using the log odds ratio's
    normal approximation with Woolf's standard error, a half added to every cell
    (Haldane-Anscombe) so that a zero does not make it infinite.
    """
    cells = [a1 + 0.5, b1 + 0.5, a0 + 0.5, b0 + 0.5]
    shift = math.log(cells[0] / cells[1]) - math.log(cells[2] / cells[3]) - expected
    se = math.sqrt(sum(1.0 / c for c in cells))
    return shift, float(stats.norm.sf(shift / se))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def betabinom_fit(x: np.ndarray, n: np.ndarray) -> tuple[float, float] | None:
    """Beta-binomial (alpha, beta) for per-organ counts ``x`` of ``n``, by moments.

    Organs differ in practice, so a rate's spread across organs is wider than binomial
    sampling alone; the beta-binomial carries that spread. scipy has the distribution but
    no fit for unequal ``n``, so the intra-class correlation is estimated by the usual
    one-way ANOVA moments. None when there are too few organs to say anything.
    """
    keep = n > 0
    x, n = x[keep].astype(float), n[keep].astype(float)
    k, total = len(n), float(n.sum())
    if k < 10 or total <= 0:
        return None
    mu = float(x.sum() / total)
    if mu <= 0.0 or mu >= 1.0:
        return None
    between = float((n * (x / n - mu) ** 2).sum()) / (k - 1)
    n_bar = (total - float((n**2).sum()) / total) / (k - 1)
    within = mu * (1 - mu)
    rho = (between - within) / (within * max(n_bar - 1.0, 1e-9))
    rho = min(max(rho, 1e-4), 0.99)
    scale = (1 - rho) / rho
    return mu * scale, (1 - mu) * scale


def betabinom_extreme(x: int, n: int, ab: tuple[float, float] | None, mu: float) -> float:
    """Chance of a rate of exactly 0% (``x == 0``) or 100% (``x == n``) on ``n``."""
    if ab is None:
        return float(stats.binom.pmf(x, n, mu))
    return float(stats.betabinom.pmf(x, n, ab[0], ab[1]))
