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
    explorer: str  # the token page of the chain's main block explorer, without the address


CHAINS: dict[str, Chain] = {
    chain.slug: chain
    for chain in (
        Chain("solana", "solana", "solana", evm=False, explorer="https://solscan.io/token/"),
        Chain("ethereum", "1", "eth", evm=True, explorer="https://etherscan.io/token/"),
        Chain("bsc", "56", "bsc", evm=True, explorer="https://bscscan.com/token/"),
        Chain("base", "8453", "base", evm=True, explorer="https://basescan.org/token/"),
        Chain("arbitrum", "42161", "arbitrum", evm=True, explorer="https://arbiscan.io/token/"),
        Chain("polygon", "137", "polygon_pos", evm=True, explorer="https://polygonscan.com/token/"),
        Chain("avalanche", "43114", "avax", evm=True, explorer="https://snowtrace.io/token/"),
        Chain("optimism", "10", "optimism", evm=True, explorer="https://optimistic.etherscan.io/token/"),
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
    return bool(pattern.fullmatch(address))


DEXSCREENER_PAGE = "https://dexscreener.com/"


def token_pages(slug: str, address: str) -> dict[str, str]:
    """DexScreener and explorer pages of a token, built only from a known chain and a well-formed address."""
    chain = CHAINS.get(slug)
    if chain is None or not valid_address(chain, address):
        return {}
    return {"dexscreener": f"{DEXSCREENER_PAGE}{chain.slug}/{address}", "explorer": f"{chain.explorer}{address}"}
