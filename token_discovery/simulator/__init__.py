"""A simulated DexScreener, GeckoTerminal and GoPlus: a real HTTP server with their paths and limits."""

from token_discovery.simulator.app import SimulatorApp
from token_discovery.simulator.server import SimulatorServer

__all__ = ["SimulatorApp", "SimulatorServer"]
