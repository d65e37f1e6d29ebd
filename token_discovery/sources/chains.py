"""One table mapping DexScreener chain slugs to GoPlus chain ids and GeckoTerminal networks."""

from __future__ import annotations

import re
from dataclasses import dataclass

SOLANA = "solana"


@dataclass(frozen=True)
class Chain:
    """A chain as each upstream names it."""

    slug: str
    goplus_id: str
    gecko_network: str
    evm: bool


CHAINS: dict[str, Chain] = {
    chain.slug: chain
    for chain in (
        Chain("solana", "solana", "solana", evm=False),
        Chain("ethereum", "1", "eth", evm=True),
        Chain("bsc", "56", "bsc", evm=True),
        Chain("base", "8453", "base", evm=True),
        Chain("arbitrum", "42161", "arbitrum", evm=True),
        Chain("polygon", "137", "polygon_pos", evm=True),
        Chain("avalanche", "43114", "avax", evm=True),
        Chain("optimism", "10", "optimism", evm=True),
    )
}

_BY_GECKO_NETWORK = {chain.gecko_network: chain for chain in CHAINS.values()}


def chain_by_slug(slug: str) -> Chain | None:
    """The chain with this DexScreener slug, or None when unsupported."""
    return CHAINS.get(slug)


def chain_by_gecko_network(network: str) -> Chain | None:
    """The chain with this GeckoTerminal network id, or None when unsupported."""
    return _BY_GECKO_NETWORK.get(network)


def normalize_address(chain: Chain, address: str) -> str:
    """The canonical spelling of an address: lowercase on EVM chains, as given on Solana."""
    return address.lower() if chain.evm else address


_EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
_SOLANA_ADDRESS = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")


def valid_address(chain: Chain, address: str) -> bool:
    """Whether an address is spelled as addresses on this chain are."""
    pattern = _EVM_ADDRESS if chain.evm else _SOLANA_ADDRESS
    return bool(pattern.match(address))
