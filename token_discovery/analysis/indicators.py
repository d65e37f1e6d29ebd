"""Technical indicators on closing prices: RSI (Wilder) and MACD, the way the common libraries compute them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RSI_WINDOW = 14
MACD_FAST, MACD_SLOW, MACD_SIGNAL = 12, 26, 9


def _ema(values: Sequence[float], alpha: float) -> list[float]:
    """Exponential moving average seeded with the first value (pandas ewm, adjust=False)."""
    out: list[float] = []
    for value in values:
        out.append(value if not out else alpha * value + (1 - alpha) * out[-1])
    return out


def rsi_series(closes: Sequence[float], window: int = RSI_WINDOW) -> list[float | None]:
    """RSI per candle, Wilder-smoothed; None for the first window - 1 candles.

    As in the `ta` package, the first candle counts as a change of zero, so the smoothing starts there.
    """
    changes = [0.0] + [b - a for a, b in zip(closes, closes[1:], strict=False)]
    gains = _ema([max(c, 0.0) for c in changes], 1 / window)
    losses = _ema([max(-c, 0.0) for c in changes], 1 / window)
    values: list[float | None] = []
    for index, (gain, loss) in enumerate(zip(gains, losses, strict=True)):
        if index + 1 < window:
            values.append(None)
        else:
            values.append(100.0 if loss == 0 else 100.0 - 100.0 / (1.0 + gain / loss))
    return values


@dataclass(frozen=True)
class Macd:
    """MACD line, signal line and histogram at one candle."""

    macd: float
    signal: float
    histogram: float


def macd_series(
    closes: Sequence[float], fast: int = MACD_FAST, slow: int = MACD_SLOW, signal: int = MACD_SIGNAL
) -> list[Macd | None]:
    """MACD per candle; None until the slow average and then the signal have enough candles."""
    fast_ema = _ema(closes, 2 / (fast + 1))
    slow_ema = _ema(closes, 2 / (slow + 1))
    lines = [f - s for f, s in zip(fast_ema, slow_ema, strict=True)][slow - 1 :]
    signals = _ema(lines, 2 / (signal + 1))
    values: list[Macd | None] = [None] * (slow - 1)
    for index, (line, sig) in enumerate(zip(lines, signals, strict=True)):
        values.append(Macd(line, sig, line - sig) if index + 1 >= signal else None)
    return values


def volume_trend(volumes: Sequence[float], recent: int = 6) -> float | None:
    """Mean volume of the last `recent` candles over the mean of the ones before; None without enough data."""
    if len(volumes) < 2 * recent:
        return None
    before = volumes[:-recent]
    base = sum(before) / len(before)
    if base <= 0:
        return None
    return (sum(volumes[-recent:]) / recent) / base
