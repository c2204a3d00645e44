"""Empirical-Bayes estimates of a subject's rate from a few cases, borrowing from its peers.

A grassroots procuratorate that concluded four minors' cases has a conditional
non-prosecution rate of 0%, 25%, 50%, 75% or 100%: the raw rate says more about luck than
about the organ. Instead of a neutral placeholder, each subject's rate is estimated by
combining its own cases with what its comparison group shows (docs/appraisal.md,
"Estimating a rate from few cases"):

- **rates** (persons over persons): beta-binomial. The group's rates are modelled as drawn
  from a Beta(alpha, beta) prior whose mean and spread are estimated from the group by the
  method of moments (Kleinman 1973); a subject with ``x`` of ``n`` gets the posterior
  Beta(alpha + x, beta + n - x): mean ``(alpha + x) / (alpha + beta + n)`` and a credible
  interval from its quantiles.
- **ratios and days** (a total over a denominator, not bounded by 1): gamma-Poisson, the
  same idea with the numerator read as a count of events (proceedings, days) over the
  denominator's exposure: posterior Gamma(alpha + x, beta + n).

The prior's strength ``alpha + beta`` (or ``beta``) is "how many cases the peers' pattern
is worth"; it is capped at the group's total denominator so the peers never outweigh all
of their own evidence, and it is estimated from every subject of the run when a group has
too few subjects with cases to estimate its own. scipy provides the Beta and Gamma
quantiles (the inverse regularised incomplete beta and gamma functions).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "MIN_STRENGTH",
    "MIN_SUBJECTS",
    "Estimate",
    "Prior",
    "beta_binomial_prior",
    "fit_prior",
    "gamma_poisson_prior",
    "posterior",
    "posteriors",
    "prior_for",
]

#: a group needs this many subjects with a denominator to estimate its own prior
MIN_SUBJECTS = 5
#: the least a prior is worth, in cases: where the peers' rates are all-or-nothing (every
#: organ at 0% or 100%) the moments say "worth nothing", which would score a subject
#: without cases at an uninformative 50%; two cases keep the peers' rate in play
MIN_STRENGTH = 2.0

Family = Literal["beta", "gamma"]


@dataclass(frozen=True)
class Prior:
    """The peers' pattern: Beta(alpha, beta) for rates, Gamma(alpha, rate beta) otherwise.

    ``source`` says where it was estimated (``group`` or ``run``) and ``subjects`` from how
    many subjects with a denominator.
    """

    family: Family
    alpha: float
    beta: float
    source: str
    subjects: int

    @property
    def mean(self) -> float:
        if self.family == "beta":
            return self.alpha / (self.alpha + self.beta)
        return self.alpha / self.beta

    @property
    def strength(self) -> float:
        """The prior's weight in units of the denominator (cases the peers are worth)."""
        return self.alpha + self.beta if self.family == "beta" else self.beta

    def describe(self) -> str:
        name = "Beta" if self.family == "beta" else "Gamma"
        # six digits: enough to recompute the estimate from the printed prior
        return (f"{name}({self.alpha:.6g}, {self.beta:.6g}) from {self.subjects} subjects "
                f"of the {self.source}: mean {self.mean:.4g}, worth {self.strength:.4g}")


@dataclass(frozen=True)
class Estimate:
    """A subject's posterior: mean, credible interval and the weight of its own cases."""

    mean: float
    low: float
    high: float
    #: n / (n + prior strength): 1 = own cases only, 0 = peers only
    weight: float


def _pooled(nums: Sequence[float], dens: Sequence[float]) -> tuple[float, float, float, int]:
    """Pooled mean, total denominator, sum of squared denominators, subjects with one."""
    pairs = [(x, n) for x, n in zip(nums, dens, strict=True) if n > 0]
    total = math.fsum(n for _, n in pairs)
    if not pairs:
        return 0.0, 0.0, 0.0, 0
    mean = math.fsum(x for x, _ in pairs) / total
    return mean, total, math.fsum(n * n for _, n in pairs), len(pairs)


def _weighted_ss(nums: Sequence[float], dens: Sequence[float], mean: float) -> float:
    """``sum n_i (x_i / n_i - mean)^2`` over the subjects with a denominator."""
    return math.fsum(n * (x / n - mean) ** 2 for x, n in zip(nums, dens, strict=True) if n > 0)


def beta_binomial_prior(
    nums: Sequence[float], dens: Sequence[float], source: str = "group"
) -> Prior | None:
    """Method-of-moments Beta prior of rates ``x_i / n_i`` (None without two subjects).

    With ``m`` the pooled rate, ``N = sum n_i``, ``S = sum n_i (p_i - m)^2`` and ``k``
    subjects, the intra-class correlation is
    ``rho = (S / (m (1 - m)) - (k - 1)) / (N - sum n_i^2 / N - (k - 1))``
    and ``alpha + beta = 1 / rho - 1``. A group whose rates differ no more than chance
    (rho <= 1 / (N + 1)) gets the strongest prior allowed, ``N``; none is worth less than
    MIN_STRENGTH cases.
    """
    m, total, sq, k = _pooled(nums, dens)
    if k < 2:
        return None
    # a pooled 0% or 100% has no binomial spread: move it half a case inwards
    m = min(max(m, 0.5 / (total + 1)), 1 - 0.5 / (total + 1))
    s = _weighted_ss(nums, dens, m)
    denom = total - sq / total - (k - 1)
    rho = (s / (m * (1 - m)) - (k - 1)) / denom if denom > 0 else 0.0
    strength = min(1 / rho - 1, total) if rho > 0 else total
    strength = max(strength, MIN_STRENGTH)
    return Prior("beta", m * strength, (1 - m) * strength, source, k)


def gamma_poisson_prior(
    nums: Sequence[float], dens: Sequence[float], source: str = "group"
) -> Prior | None:
    """Method-of-moments Gamma prior of ratios ``x_i / n_i`` (None without two subjects).

    ``E[S] = m (k - 1) + tau^2 (N - sum n_i^2 / N)`` for Poisson counts with exposure
    ``n_i``: ``tau^2`` is the spread of the true ratios, and the prior Gamma(alpha, beta)
    has mean ``m`` and variance ``tau^2``: ``beta = m / tau^2``, ``alpha = m beta``.
    """
    m, total, sq, k = _pooled(nums, dens)
    if k < 2 or m <= 0:
        return None
    s = _weighted_ss(nums, dens, m)
    denom = total - sq / total
    tau2 = (s - m * (k - 1)) / denom if denom > 0 else 0.0
    strength = max(min(m / tau2, total) if tau2 > 0 else total, MIN_STRENGTH)
    return Prior("gamma", m * strength, strength, source, k)


def fit_prior(
    family: Family, nums: Sequence[float], dens: Sequence[float], source: str
) -> Prior | None:
    """The method-of-moments prior of ``family`` (Beta for rates, Gamma otherwise)."""
    fit = beta_binomial_prior if family == "beta" else gamma_poisson_prior
    return fit(nums, dens, source=source)


def prior_for(
    family: Family, group: tuple[Sequence[float], Sequence[float]], run: Prior | None
) -> Prior | None:
    """The group's prior, or the run's when the group has fewer than MIN_SUBJECTS with cases."""
    if sum(1 for n in group[1] if n > 0) >= MIN_SUBJECTS:
        found = fit_prior(family, *group, source="group")
        if found is not None:
            return found
    return run


def posterior(prior: Prior, x: float, n: float, level: float = 0.9) -> Estimate:
    """The subject's posterior given ``x`` of ``n`` (n = 0: the prior itself)."""
    # the special functions, not scipy.stats' frozen distributions: a national run asks
    # for some 150,000 quantiles and building a distribution object costs 100x more
    from scipy.special import betaincinv, gammaincinv

    tail = (1 - level) / 2
    if prior.family == "beta":
        # numerators above the denominator (bad data) must not break the Beta
        x = min(max(x, 0.0), n)
        a, b = prior.alpha + x, prior.beta + n - x
        mean = a / (a + b)
        low, high = betaincinv(a, b, tail), betaincinv(a, b, 1 - tail)
    else:
        a, rate = prior.alpha + max(x, 0.0), prior.beta + n
        mean = a / rate
        low, high = gammaincinv(a, tail) / rate, gammaincinv(a, 1 - tail) / rate
    weight = n / (n + prior.strength) if n + prior.strength > 0 else 0.0
    return Estimate(mean, float(low), float(high), weight)


def posteriors(
    prior: Prior, xs: Sequence[float], ns: Sequence[float], level: float = 0.9
) -> list[Estimate]:
    """:func:`posterior` for every subject of a group at once.

    The same arithmetic in the same order, on arrays: the special functions are ufuncs,
    and calling them once per group instead of twice per subject is what makes a national
    run's 150,000 quantiles cheap. ``tests/appraisal/test_shrinkage.py`` pins it to
    :func:`posterior` bit for bit.
    """
    import numpy as np
    from scipy.special import betaincinv, gammaincinv

    if not xs:
        return []
    tail = (1 - level) / 2
    x = np.asarray(xs, dtype=np.float64)
    n = np.asarray(ns, dtype=np.float64)
    if prior.family == "beta":
        x = np.minimum(np.maximum(x, 0.0), n)
        a, b = prior.alpha + x, prior.beta + n - x
        mean = a / (a + b)
        low, high = betaincinv(a, b, tail), betaincinv(a, b, 1 - tail)
    else:
        a, rate = prior.alpha + np.maximum(x, 0.0), prior.beta + n
        mean = a / rate
        low, high = gammaincinv(a, tail) / rate, gammaincinv(a, 1 - tail) / rate
    strength = prior.strength
    return [
        Estimate(m, lo, hi, ni / (ni + strength) if ni + strength > 0 else 0.0)
        for m, lo, hi, ni in zip(mean.tolist(), low.tolist(), high.tolist(), ns, strict=True)
    ]
