"""The open-file limit is raised when it can be and the clients it allows are said."""

from __future__ import annotations

import logging
import resource

import pytest

from token_discovery.monitoring import capacity


def limits(monkeypatch: pytest.MonkeyPatch, soft: int, hard: int, settable: bool = True) -> list[tuple[int, int]]:
    """Fake RLIMIT_NOFILE at soft/hard; the calls to setrlimit are recorded."""
    calls: list[tuple[int, int]] = []

    def setrlimit(_which: int, value: tuple[int, int]) -> None:
        if not settable:
            raise ValueError("not allowed")
        calls.append(value)

    monkeypatch.setattr(resource, "getrlimit", lambda _which: (soft, hard))
    monkeypatch.setattr(resource, "setrlimit", setrlimit)
    return calls


def test_soft_limit_raised_to_what_ten_thousand_clients_need(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = limits(monkeypatch, 1024, 1_048_576)
    assert capacity.raise_descriptor_limit() == capacity.WANTED_CLIENTS
    assert calls == [(capacity.WANTED_CLIENTS + capacity.RESERVED_DESCRIPTORS, 1_048_576)]


def test_a_low_hard_limit_is_reached_and_named_in_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = limits(monkeypatch, 1024, 4096)
    with caplog.at_level(logging.WARNING):
        assert capacity.raise_descriptor_limit() == 4096 - capacity.RESERVED_DESCRIPTORS
    assert calls == [(4096, 4096)]
    assert "3996 connected clients" in caplog.text


def test_a_refused_raise_keeps_the_old_limit_and_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    limits(monkeypatch, 1024, 1_048_576, settable=False)
    with caplog.at_level(logging.WARNING):
        assert capacity.raise_descriptor_limit() == 1024 - capacity.RESERVED_DESCRIPTORS
    assert "could not raise" in caplog.text and "924 connected clients" in caplog.text


def test_a_high_limit_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = limits(monkeypatch, 65_536, 1_048_576)
    assert capacity.raise_descriptor_limit() == 65_536 - capacity.RESERVED_DESCRIPTORS
    assert calls == []
