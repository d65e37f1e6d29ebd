"""Holder concentration: burn addresses, lockers and pools are not whales; Solana is read per owner."""

from __future__ import annotations

import pytest

from token_discovery.analysis.holders import holdings, locked_lp_share
from token_discovery.models import Holder

DEAD = "0x000000000000000000000000000000000000dEaD"
ZERO = "0x0000000000000000000000000000000000000000"


def wallet(address: str, percent: float, **extra: object) -> Holder:
    return Holder(address, percent, extra.get("is_locked", False), extra.get("is_contract", False),
                  str(extra.get("tag", "")))  # fmt: skip


def test_the_burn_address_is_burned_supply_not_a_whale() -> None:
    split = holdings([wallet(DEAD, 0.5), wallet(ZERO, 0.1), wallet("0xw", 0.04)], [])
    assert (split.top_address, split.top_percent) == ("0xw", 0.04)
    assert split.burned_percent == pytest.approx(0.6)


@pytest.mark.parametrize(
    "holder",
    [
        wallet("0xlocker", 0.4, is_locked=True),
        wallet("0xunicrypt", 0.4, tag="UniCrypt: Token Vesting"),
        wallet("0xpinklock", 0.4, tag="PinkLock"),
        wallet("0xpool", 0.4, is_contract=True),
        wallet("0xPAIR", 0.4),  # the pair address itself, not marked as a contract
        wallet("RaydiumAuth", 0.4, is_contract=None, tag="Raydium Authority V4"),
    ],
)
def test_lockers_and_pools_are_excluded_from_concentration(holder: Holder) -> None:
    split = holdings([holder, wallet("0xw", 0.05)], pools=["0xpair"])
    assert (split.top_address, split.top_percent) == ("0xw", 0.05)


def test_locked_supply_is_counted_as_locked() -> None:
    assert holdings([wallet("0xlocker", 0.3, is_locked=True), wallet("0xw", 0.01)], []).locked_percent == 0.3


def test_one_owner_with_several_token_accounts_is_one_holder() -> None:
    split = holdings([wallet("OwnerA", 0.25), wallet("OwnerB", 0.3), wallet("OwnerA", 0.22)], [])
    assert (split.top_address, split.top_percent) == ("OwnerA", 0.47)


def test_nothing_known_is_nothing_claimed() -> None:
    split = holdings([Holder("0xw", None, None, None)], [])
    assert (split.top_address, split.top_percent, split.burned_percent, split.locked_percent) == (None,) * 4


def test_lp_sent_to_the_dead_address_counts_as_locked() -> None:
    lp = [wallet(DEAD, 0.7, is_locked=False), wallet("0xdev", 0.3)]
    assert locked_lp_share(lp) == pytest.approx(0.7)


def test_a_shared_pool_authority_is_liquidity_not_a_whale() -> None:
    raydium = wallet("5Q544fKrFoe6tsEbD7S8EmxGTJYAKtTVhAW5Q5pge4j1", 0.35)  # owns the vaults, untagged
    split = holdings([raydium, wallet("OwnerA", 0.04)], pools=["SomePoolId111"])
    assert (split.top_address, split.top_percent) == ("OwnerA", 0.04)
