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

# Wrapped native tokens and the main stablecoins of each chain: the side of a pool that is not "the token".
QUOTE_ASSETS: dict[str, frozenset[str]] = {
    "solana": frozenset({
        "So11111111111111111111111111111111111111112",  # wSOL
        "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",  # USDC
        "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB",  # USDT
    }),
    "ethereum": frozenset({
        "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2",  # WETH
        "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48",  # USDC
        "0xdac17f958d2ee523a2206206994597c13d831ec7",  # USDT
        "0x6b175474e89094c44da98b954eedeac495271d0f",  # DAI
    }),
    "bsc": frozenset({
        "0xbb4cdb9cbd36b01bd1cbaebf2de08d9173bc095c",  # WBNB
        "0x55d398326f99059ff775485246999027b3197955",  # USDT
        "0x8ac76a51cc950d9822d68b83fe1ad97b32cd580d",  # USDC
        "0xe9e7cea3dedca5984780bafc599bd69add087d56",  # BUSD
    }),
    "base": frozenset({
        "0x4200000000000000000000000000000000000006",  # WETH
        "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913",  # USDC
        "0xd9aaec86b65d86f6a7b5b1b0c42ffa531710b6ca",  # USDbC
    }),
    "arbitrum": frozenset({
        "0x82af49447d8a07e3bd95bd0d56f35241523fbab1",  # WETH
        "0xaf88d065e77c8cc2239327c5edb3a432268e5831",  # USDC
        "0xff970a61a04b1ca14834a43f5de4533ebddb5cc8",  # USDC.e
        "0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9",  # USDT
    }),
    "polygon": frozenset({
        "0x0d500b1d8e8ef31e21c99d1db9a6444d3adf1270",  # WPOL
        "0x3c499c542cef5e3811e1192ce70d8cc03d5c3359",  # USDC
        "0x2791bca1f2de4661ed88a30c99a7a9449aa84174",  # USDC.e
        "0xc2132d05d31c914a87c6611c10748aeb04b58e8f",  # USDT
        "0x7ceb23fd6bc0add59e62ac25578270cff1b9f619",  # WETH
    }),
    "avalanche": frozenset({
        "0xb31f66aa3c1e785363f0875a1b74e27b85fd66c7",  # WAVAX
        "0xb97ef9ef8734c71904d8002f8b6bc66dd9c48a6e",  # USDC
        "0x9702230a8ea53601f5cd2dc00fdbc13d4df4a8c7",  # USDT
    }),
    "optimism": frozenset({
        "0x4200000000000000000000000000000000000006",  # WETH
        "0x0b2c639c533813f4aa9d7837caf62653d097ff85",  # USDC
        "0x7f5c764cbc14f9669b88837ca1490cca17c31607",  # USDC.e
        "0x94b008aa00579c1307b0ef2c499ad98a8ce58e58",  # USDT
    }),
}  # fmt: skip


def is_quote_asset(slug: str, address: str) -> bool:
    """Whether an address (canonical spelling) is a wrapped native token or a main stablecoin of the chain."""
    return address in QUOTE_ASSETS.get(slug, frozenset())


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
