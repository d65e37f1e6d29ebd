"""RSI and MACD equal the `ta` package's values to 1e-6 on fixed candle series."""

from __future__ import annotations

import math
import random

import pandas as pd
import pytest
from ta import trend
from ta.momentum import RSIIndicator

from token_discovery.analysis.indicators import macd_series, rsi_series, volume_trend


def series(seed: int, length: int = 120) -> list[float]:
    """A fixed random walk of closing prices."""
    rng = random.Random(seed)
    price, closes = 1.0, []
    for _ in range(length):
        price *= math.exp(rng.gauss(0, 0.04))
        closes.append(price)
    return closes


SERIES = [series(1), series(2), series(3, 40), [1.0 + 0.01 * i for i in range(60)], series(4, 35)]


def close_enough(ours: float | None, theirs: float) -> bool:
    if math.isnan(theirs):
        return ours is None
    return ours is not None and abs(ours - theirs) <= 1e-6


@pytest.mark.parametrize("closes", SERIES)
def test_rsi_matches_ta(closes: list[float]) -> None:
    reference = RSIIndicator(pd.Series(closes), window=14).rsi().tolist()
    ours = rsi_series(closes, 14)
    assert len(ours) == len(reference)
    assert all(close_enough(a, b) for a, b in zip(ours, reference, strict=True))


@pytest.mark.parametrize("closes", SERIES)
def test_macd_matches_ta(closes: list[float]) -> None:
    reference = trend.MACD(pd.Series(closes), window_slow=26, window_fast=12, window_sign=9)
    lines, signals, hists = (
        reference.macd().tolist(),
        reference.macd_signal().tolist(),
        reference.macd_diff().tolist(),
    )
    ours = macd_series(closes)
    assert len(ours) == len(closes)
    for index, value in enumerate(ours):
        if math.isnan(signals[index]):
            assert value is None, index
            continue
        assert value is not None, index
        assert abs(value.macd - lines[index]) <= 1e-6
        assert abs(value.signal - signals[index]) <= 1e-6
        assert abs(value.histogram - hists[index]) <= 1e-6


def test_rsi_is_100_on_a_straight_rise() -> None:
    assert rsi_series([float(i) for i in range(1, 30)])[-1] == 100.0


def test_volume_trend() -> None:
    assert volume_trend([1.0] * 6 + [3.0] * 6) == pytest.approx(3.0)
    assert volume_trend([1.0] * 5) is None
