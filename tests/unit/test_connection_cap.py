"""The per-address cap on simultaneous Socket.IO connections."""

from __future__ import annotations

from token_discovery.realtime.limits import ConnectionCap


def test_an_address_at_its_cap_is_refused_and_others_are_not() -> None:
    cap = ConnectionCap(2)
    assert cap.admit("a", "10.0.0.1") and cap.admit("b", "10.0.0.1")
    assert not cap.admit("c", "10.0.0.1")
    assert cap.admit("d", "10.0.0.2")
    assert cap.open_from("10.0.0.1") == 2 and cap.open_from("10.0.0.2") == 1


def test_a_closed_connection_frees_its_place_and_a_refused_one_frees_nothing() -> None:
    cap = ConnectionCap(1)
    assert cap.admit("a", "10.0.0.1") and not cap.admit("b", "10.0.0.1")
    cap.release("b")  # refused: it was never counted
    assert cap.open_from("10.0.0.1") == 1
    cap.release("a")
    cap.release("a")  # a second close changes nothing
    assert cap.open_from("10.0.0.1") == 0 and cap.admit("c", "10.0.0.1")


def test_zero_means_no_cap() -> None:
    cap = ConnectionCap(0)
    assert all(cap.admit(str(n), "10.0.0.1") for n in range(1000))


def test_a_connection_gets_one_replay_at_a_time_and_a_few_a_minute() -> None:
    from token_discovery.realtime.limits import ReplayGuard

    guard = ReplayGuard(per_connection=2, per_address=3)
    assert guard.begin("a", "10.0.0.1") is None
    assert "already running" in str(guard.begin("a", "10.0.0.1"))
    guard.end("a")
    assert guard.begin("a", "10.0.0.1") is None
    guard.end("a")
    assert "too many replays" in str(guard.begin("a", "10.0.0.1"))  # its third within the minute
    assert guard.begin("b", "10.0.0.1") is None
    guard.end("b")
    assert "too many replays" in str(guard.begin("c", "10.0.0.1"))  # the address's fourth
    assert guard.begin("d", "10.0.0.2") is None


def test_the_event_window_moves_and_forgets_idle_keys() -> None:
    from tests.service_support import ManualClock
    from token_discovery.windows import MovingWindows

    clock = ManualClock()
    limiter = MovingWindows(3, 10, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    clock.now += 5
    assert not limiter.allow("a")  # the window moves: the first hits are 5 s old
    clock.now += 5
    assert limiter.allow("a") and limiter.allow("b")
    limiter.forget("a")
    assert [limiter.allow("a") for _ in range(3)] == [True, True, True]


def test_many_addresses_cannot_grow_the_limiter_forever() -> None:
    from tests.service_support import ManualClock
    from token_discovery import windows

    clock = ManualClock()
    limiter = windows.MovingWindows(2, 10, clock=clock)
    for n in range(windows.MAX_KEYS):
        limiter.allow(f"10.{n}")
    clock.now += 11
    limiter.allow("fresh")
    assert len(limiter._hits) == 1


def test_a_hit_says_what_is_left_and_when_a_place_frees() -> None:
    from tests.service_support import ManualClock
    from token_discovery.windows import MovingWindows

    clock = ManualClock()
    limiter = MovingWindows(2, 60, clock=clock)
    assert limiter.hit("a") == (True, 1, 0.0)
    clock.now += 10
    assert limiter.hit("a") == (True, 0, 50.0)
    assert limiter.hit("a") == (False, 0, 50.0)
    clock.now += 50
    assert limiter.hit("a")[0]
