"""The empirical-Bayes estimator against computations written here: textbook
method-of-moments formulas for equal denominators, closed-form Beta and Gamma posteriors
from scipy.stats, quantiles checked by integrating the density by hand; then the estimator
inside a run on the tiny warehouse, and the interval rules of the grades."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from scipy import integrate, stats
from tests.appraisal.test_tiny import ORGAN_SCHEME, VALUES, by_subject, run, scheme

from kaoping.appraisal.grading import assign_grades
from kaoping.appraisal.scheme import Grade
from kaoping.appraisal.scoring import linear, ratio_to_target, within_range
from kaoping.appraisal.shrinkage import (
    Prior,
    beta_binomial_prior,
    gamma_poisson_prior,
    posterior,
    posteriors,
    prior_for,
)

# five organs, ten persons each: 1, 3, 5, 0 and 6 of them decided one way
X = [1, 3, 5, 0, 6]
N = [10, 10, 10, 10, 10]


def _equal_n_beta(x: list[int], n: int) -> tuple[float, float]:
    """Textbook moments for equal n: Var(p) = m(1-m)/n (1 + (n-1) rho)."""
    p = [xi / n for xi in x]
    m = sum(p) / len(p)
    s2 = sum((pi - m) ** 2 for pi in p) / (len(p) - 1)
    rho = (n * s2 / (m * (1 - m)) - 1) / (n - 1)
    strength = 1 / rho - 1
    return m * strength, (1 - m) * strength


def test_beta_prior_matches_the_textbook_moments_for_equal_denominators() -> None:
    prior = beta_binomial_prior(X, N)
    assert prior is not None
    a, b = _equal_n_beta(X, 10)
    # by hand: m = .3, s2 = .065, rho = (10 x .065 / .21 - 1) / 9 = .23280
    assert a + b == pytest.approx(1 / 0.2328042 - 1, rel=1e-5)
    assert (prior.alpha, prior.beta) == (pytest.approx(a), pytest.approx(b))
    assert prior.mean == pytest.approx(0.3)


def test_beta_posterior_is_the_closed_form_with_its_quantiles() -> None:
    prior = beta_binomial_prior(X, N)
    assert prior is not None
    est = posterior(prior, 1, 10, level=0.9)
    a, b = prior.alpha + 1, prior.beta + 9
    assert est.mean == pytest.approx(a / (a + b))
    assert est.low == pytest.approx(stats.beta.ppf(0.05, a, b))
    assert est.high == pytest.approx(stats.beta.ppf(0.95, a, b))
    # and, independently of scipy's quantile function, 5% of the density lies below low
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)

    def pdf(t: float) -> float:
        return math.exp(log_norm + (a - 1) * math.log(t) + (b - 1) * math.log(1 - t))

    assert integrate.quad(pdf, 0, est.low)[0] == pytest.approx(0.05, abs=1e-6)
    assert integrate.quad(pdf, est.high, 1)[0] == pytest.approx(0.05, abs=1e-6)
    # the estimate lies between the own rate (.1) and the peers' (.3), by the own weight
    assert est.weight == pytest.approx(10 / (10 + prior.alpha + prior.beta))
    assert est.mean == pytest.approx(est.weight * 0.1 + (1 - est.weight) * 0.3)


def test_no_cases_at_all_gives_the_prior_and_its_full_spread() -> None:
    prior = beta_binomial_prior(X, N)
    assert prior is not None
    est = posterior(prior, 0, 0)
    assert est.mean == pytest.approx(0.3)
    assert est.weight == 0
    assert est.low == pytest.approx(stats.beta.ppf(0.05, prior.alpha, prior.beta))


def test_rates_no_more_spread_than_chance_get_the_strongest_prior() -> None:
    # 3 of 10 everywhere: no spread beyond the binomial; the prior may weigh all 50 cases
    prior = beta_binomial_prior([3] * 5, N)
    assert prior is not None
    assert prior.alpha + prior.beta == pytest.approx(50)
    assert prior.mean == pytest.approx(0.3)


def test_all_or_nothing_peers_still_count_for_two_cases() -> None:
    # 0 or 10 of 10: rho = (50 - 4) / 36 > 1, the moments would make the prior worthless
    prior = beta_binomial_prior([0, 10, 0, 10, 0], N)
    assert prior is not None
    assert prior.alpha + prior.beta == pytest.approx(2)
    assert posterior(prior, 0, 0).mean == pytest.approx(0.4)


def test_gamma_prior_matches_the_textbook_moments_for_equal_exposure() -> None:
    # proceedings over 20 cases each: ratios 1.0, 1.5, 2.0, 1.2, 1.3
    x, n = [20, 30, 40, 24, 26], [20] * 5
    prior = gamma_poisson_prior(x, n)
    assert prior is not None
    r = [xi / 20 for xi in x]
    m = sum(r) / 5                                              # 1.4
    tau2 = sum((ri - m) ** 2 for ri in r) / 4 - m / 20          # s2 - m / n = .145 - .07
    assert prior.mean == pytest.approx(m)
    assert prior.alpha / prior.beta**2 == pytest.approx(tau2)
    est = posterior(prior, 20, 20)
    shape, rate = prior.alpha + 20, prior.beta + 20
    assert est.mean == pytest.approx(shape / rate)
    assert est.low == pytest.approx(stats.gamma.ppf(0.05, shape, scale=1 / rate))
    assert est.high == pytest.approx(stats.gamma.ppf(0.95, shape, scale=1 / rate))


def test_a_small_group_borrows_the_runs_prior() -> None:
    run_prior = beta_binomial_prior(X, N, source="run")
    assert prior_for("beta", ([1, 2], [4, 5]), run_prior) is run_prior
    own = prior_for("beta", (X, N), run_prior)
    assert own is not None and own.source == "group"


# --- inside a run ---------------------------------------------------------------------------


def _tiny_beta(x: list[float], n: list[float]) -> tuple[float, float]:
    """The Kleinman moments for unequal n, written out for the tiny data."""
    k, total = len(n), sum(n)
    m = sum(x) / total
    s = sum(ni * (xi / ni - m) ** 2 for xi, ni in zip(x, n, strict=True))
    rho = (s / (m * (1 - m)) - (k - 1)) / (total - sum(ni * ni for ni in n) / total - (k - 1))
    strength = 1 / rho - 1
    return m * strength, (1 - m) * strength


@pytest.fixture
def tiny(make_warehouse: Any) -> Path:
    path: Path = make_warehouse([], VALUES)
    return path


def test_a_run_scores_every_rate_by_its_estimate(tiny: Path) -> None:
    s = scheme(ORGAN_SCHEME.replace("policy: neutral", "policy: shrink"))
    res = by_subject(run(tiny, s))
    # rate_a: 30/100, 30/50, 1/5, 6/40; groups of 3 and 1 are too small: the run's prior
    a, b = _tiny_beta([30, 30, 1, 6], [100, 50, 5, 40])
    for subject, x, n in (("110101", 30, 100), ("110102", 30, 50), ("110103", 1, 5),
                          ("120101", 6, 40)):
        line = res[subject].indicator("rate_a")
        mean = (a + x) / (a + b + n)
        assert line.estimate == pytest.approx(mean, abs=1e-6), subject
        assert line.estimate_low == pytest.approx(
            stats.beta.ppf(0.05, a + x, b + n - x), abs=1e-6)
        assert line.attainment == pytest.approx(within_range(mean, 0.2, 0.5, 0.2), abs=1e-6)
        assert "neutral" not in line.formula
    # rate_b: 120101 has no row at all -> the prior's mean, scored against 0.8
    ab, bb = _tiny_beta([20, 40, 48], [50, 50, 50])
    missing = res["120101"].indicator("rate_b")
    assert missing.estimate == pytest.approx(ab / (ab + bb), abs=1e-6)
    assert missing.own_weight == 0
    assert missing.attainment == pytest.approx(ratio_to_target(ab / (ab + bb), 0.8, True),
                                               abs=1e-6)
    # rate_c: the linear method sees the estimate too
    ac, bc = _tiny_beta([35, 38, 30, 25], [50, 40, 50, 50])
    c = res["110103"].indicator("rate_c")
    assert c.attainment == pytest.approx(linear((ac + 30) / (ac + bc + 50), 0.5, 0.9),
                                         abs=1e-6)
    # counts are facts: count_d is scored at face value, without an estimate
    assert res["110101"].indicator("count_d").estimate is None


def test_the_total_interval_is_the_root_sum_of_squares(tiny: Path) -> None:
    s = scheme(ORGAN_SCHEME.replace("policy: neutral", "policy: shrink"))
    r = by_subject(run(tiny, s))["110102"]
    lines = [i for d in r.dimensions for i in d.indicators]
    below = [i.points - i.points_low for i in lines if i.points_low is not None]
    above = [i.points_high - i.points for i in lines if i.points_high is not None]
    assert r.total_low == pytest.approx(r.total - math.sqrt(sum(d * d for d in below)),
                                        abs=0.02)
    assert r.total_high == pytest.approx(r.total + math.sqrt(sum(d * d for d in above)),
                                         abs=0.02)


# --- grades and intervals ---------------------------------------------------------------------


GRADES = [
    Grade(id="excellent", name_zh="优", name_en="E", min_total=84, min_low=81, quota=0.5),
    Grade(id="good", name_zh="良", name_en="G", min_total=81),
    Grade(id="fair", name_zh="中", name_en="F", min_total=78.5),
    Grade(id="poor", name_zh="差", name_en="P", max_high=81),
]


def test_the_ends_of_the_scale_need_the_interval_to_agree() -> None:
    totals = {"a": 86.0, "b": 85.0, "c": 82.0, "d": 77.0, "e": 76.0, "f": 70.0}
    bounds = {"a": (82.0, 90.0), "b": (80.0, 89.0), "c": (79.0, 85.0),
              "d": (73.0, 81.5), "e": (72.0, 80.0), "f": (66.0, 74.0)}
    got = assign_grades(totals, GRADES, bounds)
    grades = {s: g.grade for s, g in got.items()}
    assert grades == {"a": "excellent",   # 86, low 82 >= 81
                      "b": "good",        # 85 but low 80 < 81
                      "c": "good", "d": "fair",   # 77 < 78.5 but high 81.5 reaches 81
                      "e": "poor", "f": "poor"}
    assert "lower end" in (got["b"].note or "")
    assert "upper end" in (got["d"].note or "")
    # without the intervals the totals alone decide
    plain = {s: g.grade for s, g in assign_grades(totals, GRADES).items()}
    assert plain["b"] == "excellent" and plain["d"] == "poor"


@pytest.mark.parametrize("family", ["beta", "gamma"])
def test_posteriors_of_a_group_are_posterior_bit_for_bit(family: str) -> None:
    """The group-at-once estimator a run uses is the per-subject one, to the last bit."""
    import random

    rng = random.Random(7)
    ns = [float(rng.choice([0, 1, 3, 10, 57, 400])) for _ in range(60)]
    xs = [float(rng.randint(0, int(n) + 2)) if family == "gamma" else
          float(rng.randint(-1, int(n) + 1)) for n in ns]  # bad data included
    prior = Prior(family, 1.7, 5.3, "group", 60)  # type: ignore[arg-type]
    one_by_one = [posterior(prior, x, n, level=0.9) for x, n in zip(xs, ns, strict=True)]
    assert posteriors(prior, xs, ns, level=0.9) == one_by_one
    assert posteriors(prior, [], []) == []
