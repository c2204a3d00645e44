"""The statistics the detectors rest on, against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kaoping.detect.stats import (
    betabinom_extreme,
    betabinom_fit,
    bh,
    binom_lower,
    binom_upper,
    logit_shift,
)


def _binom_pmf(k: int, n: int, p: float) -> float:
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def test_binomial_tails_match_the_sum_of_terms() -> None:
    assert binom_upper(7, 20, 0.2) == pytest.approx(
        sum(_binom_pmf(k, 20, 0.2) for k in range(7, 21))
    )
    assert binom_lower(2, 20, 0.3) == pytest.approx(sum(_binom_pmf(k, 20, 0.3) for k in range(3)))


def test_benjamini_hochberg_by_hand() -> None:
    # sorted p: 0.01, 0.02, 0.03, 0.5 -> p*m/rank = 0.04, 0.04, 0.04, 0.5 (then monotone)
    assert list(bh([0.03, 0.5, 0.01, 0.02])) == pytest.approx([0.04, 0.5, 0.04, 0.04])


def test_log_odds_shift_uses_woolf_with_half_corrections() -> None:
    shift, p = logit_shift(30, 70, 20, 80, expected=0.1)
    cells = [30.5, 70.5, 20.5, 80.5]
    expected_shift = math.log(30.5 / 70.5) - math.log(20.5 / 80.5) - 0.1
    se = math.sqrt(sum(1 / c for c in cells))
    assert shift == pytest.approx(expected_shift)
    assert p == pytest.approx(0.5 * math.erfc(expected_shift / se / math.sqrt(2)))


def test_beta_binomial_fit_recovers_the_spread_of_simulated_organs() -> None:
    rng = np.random.default_rng(1)
    n = rng.integers(20, 400, 3000)
    x = rng.binomial(n, rng.beta(8.0, 2.0, len(n)))
    fit = betabinom_fit(x, n)
    assert fit is not None
    a, b = fit
    assert a / (a + b) == pytest.approx(0.8, abs=0.01)
    assert a + b == pytest.approx(10.0, rel=0.15)
    # 100% on 100 persons: beta-binomial far likelier than binomial at the mean, yet small
    spread = betabinom_extreme(100, 100, fit, 0.8)
    assert 0.8**100 < spread < 0.01


def test_beta_binomial_fit_declines_on_too_few_organs() -> None:
    assert betabinom_fit(np.array([3, 4]), np.array([10, 10])) is None
