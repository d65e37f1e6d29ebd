"""A simulated DexScreener, GeckoTerminal and GoPlus: a real HTTP server with the same paths, shapes and limits."""

from token_discovery.simulator.app import SimulatorApp
from token_discovery.simulator.server import SimulatorServer

__all__ = ["SimulatorApp", "SimulatorServer"]
