"""The session registry: runs outlive a dropped connection for the TTL, then are stopped, and a
page that comes back says so (the time from a fake clock)."""

import time

import pytest

from app_ui import reconnect
from app_ui.reconnect import RELEASED_NOTICE_S, previous_session_id
from app_ui.session_registry import PARK_AFTER_S, RUN_TTL_S, SessionRegistry


class FakeRun:
    def __init__(self, state="running", started=False, last_command_at=0.0):
        self.state, self.calls, self.is_alive = state, [], True
        self.started, self.parked, self.last_command_at = started, False, last_command_at

    def park(self):
        self.calls.append("park")
        self.parked = True

    @property
    def snapshot(self):
        return type("Snapshot", (), {"state": self.state})()

    def pause(self):
        self.calls.append("pause")
        self.state = "paused"

    def train(self):
        self.calls.append("train")
        self.state = "running"

    def stop(self):
        self.calls.append("stop")
        self.is_alive = False


def test_a_dropped_session_is_paused_resumed_on_reconnect_and_released_after_the_ttl():
    registry = SessionRegistry()
    training, paused = FakeRun(), FakeRun(state="paused")
    registry.runs["s1"] = {"flows": (training, None, None), "gans": (paused, None, None)}
    registry.last_seen["s1"] = 0.0
    registry.reap(lambda sid: False, now=1.0)
    assert training.calls == ["pause"] and paused.calls == [], "a training run pauses while nobody watches"
    registry.reap(lambda sid: True, now=3.0)
    assert training.calls == ["pause", "train"] and paused.calls == [], "and resumes on reconnect; the paused one stays"
    registry.reap(lambda sid: False, now=3.0 + RUN_TTL_S / 2)
    assert "s1" in registry.runs, "within the TTL the runs are kept"
    registry.reap(lambda sid: False, now=3.0 + RUN_TTL_S + 1)
    assert "s1" not in registry.runs and training.calls[-1] == "stop" and paused.calls == ["stop"]
    assert "s1" in registry.released, "a page that comes back is told its runs were released"


def test_frames_slow_down_when_many_live_pages_would_exceed_the_servers_budget(monkeypatch):
    from app_ui import live_frame

    monkeypatch.setattr(live_frame.FRAME_COST, "mean_s", 0.02)
    for live_pages, interval in [(1, 0.5), (10, 0.5), (30, 1.5), (1000, live_frame.MAX_FRAME_INTERVAL_S)]:
        monkeypatch.setattr(live_frame, "live_run_count", lambda n=live_pages: n)
        assert live_frame.frame_interval_s() == pytest.approx(interval)
    live_frame.FRAME_COST.add(0.12)
    assert live_frame.FRAME_COST.mean_s == pytest.approx(0.9 * 0.02 + 0.1 * 0.12)


def test_a_run_paused_for_long_is_parked_and_a_training_one_is_not():
    registry = SessionRegistry()
    idle = FakeRun(state="paused", started=True, last_command_at=0.0)
    training = FakeRun(state="running", started=True, last_command_at=0.0)
    never_started = FakeRun(state="idle", started=False, last_command_at=0.0)
    registry.runs["s1"] = {"a": (idle, None, None), "b": (training, None, None), "c": (never_started, None, None)}
    registry.reap(lambda sid: True, now=PARK_AFTER_S / 2)
    assert idle.calls == []
    registry.reap(lambda sid: True, now=PARK_AFTER_S + 1)
    assert idle.calls == ["park"] and training.calls == [] and never_started.calls == []
    registry.reap(lambda sid: True, now=PARK_AFTER_S + 5)
    assert idle.calls == ["park"], "parked once"


def test_a_browser_back_with_a_new_session_takes_its_runs_over_or_is_told_they_were_released():
    registry = SessionRegistry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = now = time.monotonic()
    registry.reap(lambda sid: False, now=now + 1)
    assert run.calls == ["pause"]
    assert registry.take_over("old", "new") is None
    assert registry.runs == {"new": {"flows": (run, None, None)}} and "old" not in registry.last_seen
    registry.of_session("new")
    assert run.calls == ["pause", "train"], "the new session resumes the runs paused while away"
    registry.runs["gone"] = {"flows": (FakeRun(), None, None)}
    registry.last_seen["gone"] = now
    registry.reap(lambda sid: sid == "new", now=now + RUN_TTL_S + 5)
    assert registry.take_over("gone", "newer") == now + RUN_TTL_S + 5, "released: the page says when"
    assert registry.take_over("gone", "newer") is None, "and says it once"
    assert "newer" not in registry.runs


def test_the_previous_session_id_is_the_third_websocket_subprotocol(monkeypatch):
    headers = {"Sec-WebSocket-Protocol": "streamlit, token, old-id"}
    monkeypatch.setattr(reconnect.st, "context", type("Context", (), {"headers": headers})())
    assert previous_session_id("new-id") == "old-id"
    assert previous_session_id("old-id") is None, "the same session reconnected: nothing to take over"
    headers["Sec-WebSocket-Protocol"] = "streamlit, token"
    assert previous_session_id("new-id") is None, "a first visit names no previous session"


def test_a_browser_back_after_the_ttl_is_released_even_before_the_reaper_got_to_it(monkeypatch):
    registry = SessionRegistry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = time.monotonic() - RUN_TTL_S - 1
    assert registry.take_over("old", "new") is not None
    assert run.calls == ["stop"] and "new" not in registry.runs and "old" not in registry.runs


def test_a_session_taken_over_while_the_reaper_looks_at_it_is_not_paused_by_the_reaper():
    """The reaper reads the session list, then the browser's new session takes the old one's runs
    over (its script run), then the reaper reaches the old id: it must leave the runs alone."""
    registry = SessionRegistry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = now = time.monotonic()

    def connected_while_taken_over(session_id):
        if session_id == "old":
            assert registry.take_over("old", "new") is None
        return False

    registry.reap(connected_while_taken_over, now=now + 1)
    assert run.calls == [] and registry.runs["new"]["flows"][0] is run
    assert "old" not in registry.paused_while_away and "old" not in registry.runs


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def released_notice(seconds_ago):
    return (
        f"Your runs were released after you had been away for more than {RUN_TTL_S:.0f} s; this is a fresh start "
        f"with the same settings ({seconds_ago:.0f} s ago)."
    )


def test_a_session_gone_longer_than_the_ttl_has_its_runs_released_and_the_page_says_so():
    """The browser comes back with a new session (Streamlit dropped the old one) after the TTL: its
    runs were stopped, it starts afresh, and its page says so for a while, once."""
    clock = FakeClock()
    registry = SessionRegistry(clock=clock)
    runs, notice = reconnect.returning_runs(registry, "old", lambda: None, {})
    assert runs == {} and notice == ""
    run = FakeRun()
    runs["flows"] = (run, None, None)
    clock.advance(1)
    registry.reap(lambda sid: False)
    assert run.calls == ["pause"], "gone: paused"
    clock.advance(RUN_TTL_S - 2)
    registry.reap(lambda sid: False)
    assert registry.runs["old"]["flows"][0] is run and run.calls == ["pause"], "within the TTL: kept"
    clock.advance(2)
    registry.reap(lambda sid: False)
    assert run.calls == ["pause", "stop"] and "old" not in registry.runs, "past the TTL: released"
    clock.advance(30)
    page_state = {}
    runs, notice = reconnect.returning_runs(registry, "new", lambda: "old", page_state)
    assert runs == {} and notice == released_notice(30), "a fresh start, and the page says when"
    clock.advance(RELEASED_NOTICE_S - 1)
    assert reconnect.returning_runs(registry, "new", lambda: "old", page_state)[1] == released_notice(
        30 + RELEASED_NOTICE_S - 1
    ), "the reruns right after the reconnect say it too"
    clock.advance(2)
    assert reconnect.returning_runs(registry, "new", lambda: "old", page_state)[1] == "", "then no more"
    assert reconnect.returning_runs(registry, "newer", lambda: "old", {})[1] == "", "and another session is not told"


def test_a_session_streamlit_kept_past_the_ttl_is_told_its_runs_were_released():
    """Streamlit may keep a session longer than the runs (its own TTL is longer): the same session
    id comes back to no runs, and its page says so."""
    clock = FakeClock()
    registry = SessionRegistry(clock=clock)
    state = {}
    runs, _ = reconnect.returning_runs(registry, "s1", lambda: None, state)
    run = FakeRun(state="paused")
    runs["gans"] = (run, None, None)
    clock.advance(RUN_TTL_S + 1)
    registry.reap(lambda sid: False)
    assert run.calls == ["stop"]
    clock.advance(4)
    runs, notice = reconnect.returning_runs(registry, "s1", lambda: None, state)
    assert runs == {} and notice == released_notice(4)


def test_a_browser_back_within_the_ttl_takes_its_runs_over_and_is_told_nothing():
    clock = FakeClock()
    registry = SessionRegistry(clock=clock)
    runs, _ = reconnect.returning_runs(registry, "old", lambda: None, {})
    run = FakeRun()
    runs["flows"] = (run, None, None)
    clock.advance(1)
    registry.reap(lambda sid: False)
    clock.advance(RUN_TTL_S - 2)
    runs, notice = reconnect.returning_runs(registry, "new", lambda: "old", {})
    assert runs == {"flows": (run, None, None)} and notice == ""
    assert run.calls == ["pause", "train"], "paused while away, training again on its return"
