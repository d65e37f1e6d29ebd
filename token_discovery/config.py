"""The service configuration: one frozen value, read from the environment and validated once."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


Parser = Callable[[str, str], Any]


def _integer(minimum: int, maximum: int | None = None) -> Parser:
    """Build a parser for an integer within [minimum, maximum]."""

    def parse(name: str, raw: str) -> int:
        bound = f">= {minimum}" if maximum is None else f"between {minimum} and {maximum}"
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be an integer {bound}, got {raw!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            raise ConfigError(f"{name} must be an integer {bound}, got {raw!r}")
        return value

    return parse


def _number(minimum: float, maximum: float, what: str = "a number") -> Parser:
    """Build a parser for a number within [minimum, maximum]; `what` names it in the error message."""

    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw.strip())
        except ValueError:
            value = float("nan")
        if not minimum <= value <= maximum:
            raise ConfigError(f"{name} must be {what} between {minimum} and {maximum}, got {raw!r}")
        return value

    return parse


def _seconds(minimum: float, maximum: float) -> Parser:
    """Build a parser for a duration in seconds within [minimum, maximum]."""
    return _number(minimum, maximum, "a number of seconds")


def _boolean(name: str, raw: str) -> bool:
    """Parse true/false, 1/0, yes/no, on/off."""
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _text(name: str, raw: str) -> str:
    """Keep a free-form value, stripped of surrounding blanks."""
    return raw.strip()


def _http_url(name: str, raw: str) -> str:
    """Parse an absolute http(s) URL without a trailing slash."""
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"{name} must be an absolute http(s) URL, got {raw!r}")
    return value


def _optional_url(schemes: tuple[str, ...]) -> Parser:
    """Build a parser for an empty value or a URL with one of the given schemes."""

    def parse(name: str, raw: str) -> str:
        value = raw.strip()
        if value and urlsplit(value).scheme not in schemes:
            wanted = " or ".join(f"{s}://" for s in schemes)
            raise ConfigError(f"{name} must be empty or a {wanted} URL, got {raw!r}")
        return value

    return parse


def _origins(name: str, raw: str) -> tuple[str, ...]:
    """Parse a comma-separated list of explicit http(s) origins (possibly none); '*' is refused."""
    origins = tuple(item.strip().rstrip("/") for item in raw.split(",") if item.strip())
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path:
            raise ConfigError(f"{name} must hold explicit origins like http://host:port (never '*'), got {origin!r}")
    return origins


def _hosts(name: str, raw: str) -> frozenset[str]:
    """Parse a comma-separated list of host names or addresses (possibly none), lower-cased."""
    hosts = frozenset(item.strip().lower() for item in raw.split(",") if item.strip())
    for host in hosts:
        if any(c in host for c in "/:@ ") and not host.startswith("["):
            raise ConfigError(f"{name} must hold host names or addresses, not URLs, got {host!r}")
    return hosts


def _delays(name: str, raw: str) -> tuple[float, ...]:
    """Seconds before each retry, comma-separated: at most 10 of them, each from 0 to 3600 (none: no retry)."""
    try:
        delays = tuple(float(item) for item in raw.split(",") if item.strip())
    except ValueError:
        delays = (-1.0,)
    if len(delays) > 10 or not all(0 <= delay <= 3600 for delay in delays):
        raise ConfigError(f"{name} must list up to 10 delays in seconds (0 to 3600), like 2,10,60, got {raw!r}")
    return delays


def _rate_limit(name: str, raw: str) -> str:
    """Parse a rate-limit string such as '20 per minute' or '5/second;100/hour'."""
    from limits import parse_many

    value = raw.strip()
    try:
        parse_many(value)
    except ValueError:
        raise ConfigError(f"{name} must be a rate limit like '20 per minute', got {raw!r}") from None
    return value


def _redis_prefix(name: str, raw: str) -> str:
    """A key prefix (letters, digits, '-', '_', ':'), or empty to derive one from the store's name."""
    value = raw.strip()
    if value and (len(value) > 64 or not all(c.isalnum() or c in "-_:." for c in value)):
        raise ConfigError(f"{name} must be up to 64 letters, digits, '-', '_', ':' or '.', got {raw!r}")
    return value


def _store_name(sqlite_path: str, mongodb_uri: str) -> str:
    """The name of the deployment's store: the MongoDB database, else the SQLite file's stem."""
    if mongodb_uri:
        database = urlsplit(mongodb_uri).path.strip("/").split("?")[0]
        return database or "token_discovery"
    return Path(sqlite_path).stem or "tokens"


def _log_format(name: str, raw: str) -> str:
    """text or json."""
    value = raw.strip().lower()
    if value not in {"text", "json"}:
        raise ConfigError(f"{name} must be text or json, got {raw!r}")
    return value


MIN_SECRET_LENGTH = 16


def _secret(name: str, raw: str) -> str:
    """A secret: empty (unset), or at least 16 characters, so that it cannot be guessed in a few tries."""
    value = raw.strip()
    if value and len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(f"{name} must be at least {MIN_SECRET_LENGTH} characters (try: python -c \"import secrets; "
                          f"print(secrets.token_urlsafe(24))\"), got one of {len(value)}")  # fmt: skip
    return value


def _log_level(name: str, raw: str) -> str:
    """Parse a logging level name."""
    value = raw.strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ConfigError(f"{name} must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {raw!r}")
    return value


# attribute -> (environment variable, default as the environment would spell it, parser)
_SPEC: dict[str, tuple[str, str, Parser]] = {
    "host": ("HOST", "127.0.0.1", _text),
    "port": ("PORT", "5000", _integer(1, 65535)),
    "secret_key": ("SECRET_KEY", "", _secret),
    "admin_token": ("ADMIN_TOKEN", "", _secret),
    "allowed_origins": ("ALLOWED_ORIGINS", "", _origins),
    "trusted_proxy_count": ("TRUSTED_PROXY_COUNT", "0", _integer(0, 5)),
    "socket_max_per_address": ("SOCKET_MAX_PER_ADDRESS", "50", _integer(0, 1_000_000)),
    "sqlite_path": ("SQLITE_PATH", "instance/tokens.db", _text),
    "mongodb_uri": ("MONGODB_URI", "", _optional_url(("mongodb", "mongodb+srv"))),
    "redis_url": ("REDIS_URL", "", _optional_url(("redis", "rediss", "unix"))),
    "redis_prefix": ("REDIS_PREFIX", "", _redis_prefix),
    "dexscreener_base_url": ("DEXSCREENER_BASE_URL", "https://api.dexscreener.com", _http_url),
    "geckoterminal_base_url": (
        "GECKOTERMINAL_BASE_URL",
        "https://api.geckoterminal.com/api/v2",
        _http_url,
    ),
    "goplus_base_url": ("GOPLUS_BASE_URL", "https://api.gopluslabs.io/api/v1", _http_url),
    "goplus_access_token": ("GOPLUS_ACCESS_TOKEN", "", _text),
    "goplus_batch_size": ("GOPLUS_BATCH_SIZE", "20", _integer(1, 100)),
    "auto_start_discovery": ("AUTO_START_DISCOVERY", "false", _boolean),
    "discovery_interval": ("DISCOVERY_INTERVAL", "300", _integer(10, 86400)),
    "discovery_max_tokens": ("DISCOVERY_MAX_TOKENS", "20", _integer(1, 100)),
    "discovery_db_capacity": ("DISCOVERY_DB_CAPACITY", "200", _integer(1, 100000)),
    "discovery_min_interval": ("DISCOVERY_MIN_INTERVAL", "30", _integer(0, 86400)),
    "analysis_cache_ttl": ("ANALYSIS_CACHE_TTL", "300", _integer(0, 86400)),
    "liquidity_floor_usd": ("LIQUIDITY_FLOOR_USD", "1000", _number(0, 1_000_000_000)),
    "trigger_wait": ("DISCOVERY_TRIGGER_WAIT", "25", _seconds(0, 120)),
    "scan_deadline": ("DISCOVERY_SCAN_DEADLINE", "120", _seconds(5, 3600)),
    "http_connect_timeout": ("HTTP_CONNECT_TIMEOUT", "3", _seconds(0.1, 60)),
    "http_read_timeout": ("HTTP_READ_TIMEOUT", "10", _seconds(0.1, 120)),
    "http_call_deadline": ("HTTP_CALL_DEADLINE", "20", _seconds(0.5, 300)),
    "http_max_response_bytes": ("HTTP_MAX_RESPONSE_BYTES", "5000000", _integer(1024)),
    "budget_dexscreener_discovery": ("BUDGET_DEXSCREENER_DISCOVERY_PER_MINUTE", "60", _integer(1, 100000)),
    "budget_dexscreener_market": ("BUDGET_DEXSCREENER_MARKET_PER_MINUTE", "300", _integer(1, 100000)),
    "budget_geckoterminal": ("BUDGET_GECKOTERMINAL_PER_MINUTE", "30", _integer(1, 100000)),
    "budget_goplus": ("BUDGET_GOPLUS_PER_MINUTE", "30", _integer(1, 100000)),
    "budget_window": ("BUDGET_WINDOW_SECONDS", "60", _seconds(1, 3600)),
    "rate_limit_default": ("RATE_LIMIT_DEFAULT", "300 per minute", _rate_limit),
    "rate_limit_trigger": ("RATE_LIMIT_TRIGGER", "20 per minute", _rate_limit),
    "trigger_budget_share": ("TRIGGER_BUDGET_SHARE", "0.5", _number(0.05, 1.0)),
    "request_body_timeout": ("REQUEST_BODY_TIMEOUT", "10", _seconds(0.5, 300)),
    "webhook_allowed_hosts": ("WEBHOOK_ALLOWED_HOSTS", "", _hosts),
    "watchers_per_key": ("WATCHERS_PER_KEY", "20", _integer(1, 1000)),
    "signals_per_minute": ("SIGNALS_PER_MINUTE", "60", _integer(1, 100_000)),
    "webhook_timeout": ("WEBHOOK_TIMEOUT", "5", _seconds(0.5, 60)),
    "signal_retry_delays": ("SIGNAL_RETRY_DELAYS", "2,10,60", _delays),
    "telegram_bot_token": ("TELEGRAM_BOT_TOKEN", "", _text),
    "telegram_api_base_url": ("TELEGRAM_API_BASE_URL", "https://api.telegram.org", _http_url),
    "pumpportal_ws_url": ("PUMPPORTAL_WS_URL", "wss://pumpportal.fun/api/data", _optional_url(("ws", "wss"))),
    "stream_flush_tokens": ("STREAM_FLUSH_TOKENS", "20", _integer(1, 100)),
    "stream_flush_seconds": ("STREAM_FLUSH_SECONDS", "2", _seconds(0.1, 60)),
    "stream_queue_size": ("STREAM_QUEUE_SIZE", "1000", _integer(1, 100_000)),
    "stream_silence_seconds": ("STREAM_SILENCE_SECONDS", "60", _seconds(1, 3600)),
    "stream_budget_share": ("STREAM_BUDGET_SHARE", "0.25", _number(0.05, 1.0)),
    "log_level": ("LOG_LEVEL", "INFO", _log_level),
    "log_format": ("LOG_FORMAT", "text", _log_format),
}


@dataclass(frozen=True)
class Config:
    """Every setting of the service, validated; build it with `Config.from_env`."""

    host: str
    port: int
    secret_key: str
    admin_token: str
    allowed_origins: tuple[str, ...]
    trusted_proxy_count: int
    socket_max_per_address: int
    sqlite_path: str
    mongodb_uri: str
    redis_url: str
    redis_prefix: str
    dexscreener_base_url: str
    geckoterminal_base_url: str
    goplus_base_url: str
    goplus_access_token: str
    goplus_batch_size: int
    auto_start_discovery: bool
    discovery_interval: int
    discovery_max_tokens: int
    discovery_db_capacity: int
    discovery_min_interval: int
    analysis_cache_ttl: int
    liquidity_floor_usd: float
    trigger_wait: float
    scan_deadline: float
    http_connect_timeout: float
    http_read_timeout: float
    http_call_deadline: float
    http_max_response_bytes: int
    budget_dexscreener_discovery: int
    budget_dexscreener_market: int
    budget_geckoterminal: int
    budget_goplus: int
    budget_window: float
    rate_limit_default: str
    rate_limit_trigger: str
    trigger_budget_share: float
    request_body_timeout: float
    webhook_allowed_hosts: frozenset[str]
    watchers_per_key: int
    signals_per_minute: int
    webhook_timeout: float
    signal_retry_delays: tuple[float, ...]
    telegram_bot_token: str
    telegram_api_base_url: str
    pumpportal_ws_url: str
    stream_flush_tokens: int
    stream_flush_seconds: float
    stream_queue_size: int
    stream_silence_seconds: float
    stream_budget_share: float
    log_level: str
    log_format: str
    secret_key_generated: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Read and validate every variable; raise ConfigError naming the first bad one."""
        values = {
            attribute: parser(name, env.get(name, default)) for attribute, (name, default, parser) in _SPEC.items()
        }
        if not values["redis_prefix"]:  # two deployments on one Redis never share a key or a channel
            values["redis_prefix"] = f"td:{_store_name(values['sqlite_path'], values['mongodb_uri'])}:"
        if not values["secret_key"]:
            values["secret_key"] = secrets.token_hex(32)
            values["secret_key_generated"] = True
        return cls(**values)

    @staticmethod
    def variables() -> dict[str, str]:
        """Every environment variable the service reads, with its default."""
        return {name: default for name, default, _ in _SPEC.values()}

    def replace(self, **changes: Any) -> Config:
        """Return a copy with some attributes changed (for tests and the demo)."""
        return dataclasses.replace(self, **changes)
