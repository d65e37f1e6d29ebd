"""pump.fun launches, simulated: the creation message PumpPortal sends for a token (its bonding curve as a real
one moves: 30 SOL and 1,073,000,000 tokens of virtual reserves, less what its creator bought in the same
transaction), its migration message, and the market's own launches for the demo, from a few serial creators."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

from token_discovery.simulator.market import SUPPLY
from token_discovery.simulator.token import SimToken, solana_address

VIRTUAL_SOL, VIRTUAL_TOKENS = 30.0, 1_073_000_000.0  # a fresh curve's reserves
SOL_USD = 140.0
SERIAL_CREATORS = 4  # the market's own launches come partly from this many serial creators


def curve_after(buy_sol: float) -> tuple[float, float, float]:
    """The curve's virtual reserves (SOL, tokens) after a first buy of `buy_sol`, and the tokens bought."""
    product = VIRTUAL_SOL * VIRTUAL_TOKENS
    sol = VIRTUAL_SOL + buy_sol
    tokens = product / sol
    return sol, tokens, VIRTUAL_TOKENS - tokens


def creation_message(token: SimToken, creator: str, buy_sol: float, rng: random.Random) -> dict[str, Any]:
    """The message PumpPortal sends when `token` is created on pump.fun (keys in the recorded order)."""
    sol, tokens, bought = curve_after(buy_sol)
    return {
        "signature": solana_address(rng) + solana_address(rng)[:44],
        "mint": token.address,
        "traderPublicKey": creator,
        "txType": "create",
        "initialBuy": round(bought, 6),
        "solAmount": buy_sol,
        "bondingCurveKey": token.pair_address,
        "vTokensInBondingCurve": round(tokens, 6),
        "vSolInBondingCurve": sol,
        "marketCapSol": sol / tokens * 1e9,
        "name": token.name,
        "symbol": token.symbol,
        "uri": f"https://ipfs.io/ipfs/Qm{token.address[:40]}",
        "is_mayhem_mode": False,
        "pool": "pump",
    }


def migration_message(token: SimToken, rng: random.Random) -> dict[str, Any]:
    """The message PumpPortal sends when `token` leaves its curve for a PumpSwap pool."""
    return {"signature": solana_address(rng) + solana_address(rng)[:44], "mint": token.address, "txType": "migrate",
            "pool": "pump-amm"}  # fmt: skip


def launched(token: SimToken, buy_sol: float) -> SimToken:
    """A token as pump.fun lists it while on its curve: its pool is the curve, its liquidity the SOL in it, its
    price the curve's (a billion tokens at that price is the market cap the stream announced)."""
    sol, tokens, _ = curve_after(buy_sol)
    return dataclasses.replace(token, dex_id="pumpfun", liquidity_usd=round(sol * SOL_USD * 2, 2), second_pair=None,
                               price0=sol / tokens * SOL_USD * 1e9 / SUPPLY, drift=0.0)  # fmt: skip


def graduate(token: SimToken) -> None:
    """A token that left its curve: it now trades in a PumpSwap pool holding what the curve raised."""
    token.dex_id, token.liquidity_usd = "pumpswap", round((VIRTUAL_SOL + 85.0) * SOL_USD * 2, 2)


def market_creator(seed: int, index: int) -> str:
    """Who launches the market's token number `index`: one of a few serial creators a third of the time."""
    rng = random.Random(f"creator:{seed}:{index}")
    if rng.random() < 1 / 3:
        return solana_address(random.Random(f"serial:{seed}:{rng.randrange(SERIAL_CREATORS)}"))
    return solana_address(rng)
