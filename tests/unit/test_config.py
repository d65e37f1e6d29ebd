"""Config is read once from the environment and every bad value is named with the variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from token_discovery.config import Config, ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_contract() -> None:
    config = Config.from_env({})
    assert (config.host, config.port) == ("127.0.0.1", 5000)
    assert config.allowed_origins == ()  # the app's own origin is always allowed; nothing else by default
    assert config.trusted_proxy_count == 0
    assert config.sqlite_path == "instance/tokens.db"
    assert config.auto_start_discovery is False
    assert (config.discovery_interval, config.discovery_max_tokens) == (300, 20)
    assert (config.discovery_db_capacity, config.discovery_min_interval, config.analysis_cache_ttl) == (
        200,
        30,
        300,
    )
    assert config.dexscreener_base_url == "https://api.dexscreener.com"
    assert config.admin_token == ""


def test_a_missing_secret_key_is_generated_and_flagged() -> None:
    first, second = Config.from_env({}), Config.from_env({})
    assert first.secret_key_generated and len(first.secret_key) >= 32
    assert first.secret_key != second.secret_key
    assert not Config.from_env({"SECRET_KEY": "a-fixed-key-of-32-characters-xx"}).secret_key_generated


@pytest.mark.parametrize("name", ["ADMIN_TOKEN", "SECRET_KEY"])
def test_a_short_admin_token_or_secret_key_is_refused_at_start(name: str) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be at least 16 characters"):
        Config.from_env({name: "admin"})
    assert Config.from_env({name: "x" * 16})  # 16 is enough; empty means unset


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "DISCOVERY_INTERVAL",
            "abc",
            "DISCOVERY_INTERVAL must be an integer between 10 and 86400, got 'abc'",
        ),
        ("DISCOVERY_INTERVAL", "5", "DISCOVERY_INTERVAL must be an integer between 10 and 86400, got '5'"),
        ("PORT", "70000", "PORT must be an integer between 1 and 65535, got '70000'"),
        ("AUTO_START_DISCOVERY", "maybe", "AUTO_START_DISCOVERY must be true or false, got 'maybe'"),
        ("ALLOWED_ORIGINS", "*", "ALLOWED_ORIGINS must hold explicit origins"),
        ("MONGODB_URI", "postgres://x", "MONGODB_URI must be empty or a mongodb:// or mongodb+srv:// URL"),
        ("GOPLUS_BASE_URL", "ftp://x", "GOPLUS_BASE_URL must be an absolute http(s) URL, got 'ftp://x'"),
        ("DISCOVERY_MAX_TOKENS", "101", "DISCOVERY_MAX_TOKENS must be an integer between 1 and 100"),
        ("HTTP_READ_TIMEOUT", "nan", "HTTP_READ_TIMEOUT must be a number of seconds"),
        ("LIQUIDITY_FLOOR_USD", "-5", "LIQUIDITY_FLOOR_USD must be a number between 0 and 1000000000, got '-5'"),
    ],
)
def test_bad_values_are_refused_with_the_variable_and_value(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_env({name: value})


def test_values_are_parsed_to_types() -> None:
    config = Config.from_env(
        {
            "AUTO_START_DISCOVERY": "Yes",
            "DISCOVERY_INTERVAL": " 60 ",
            "ALLOWED_ORIGINS": "https://a.test/, http://b:1",
        }
    )
    assert config.auto_start_discovery is True
    assert config.discovery_interval == 60
    assert config.allowed_origins == ("https://a.test", "http://b:1")


def test_config_is_frozen() -> None:
    config = Config.from_env({})
    with pytest.raises(AttributeError):
        config.port = 1  # type: ignore[misc]
    assert config.replace(port=6000).port == 6000 and config.port == 5000


def test_every_variable_is_in_env_example_and_docker_compose() -> None:
    example = (ROOT / ".env.example").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    for name in Config.variables():
        assert re.search(rf"^#?\s*{name}=", example, re.MULTILINE), f"{name} missing from .env.example"
        assert f"{name}:" in compose, f"{name} missing from docker-compose.yml"
