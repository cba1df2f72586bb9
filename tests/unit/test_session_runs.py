"""The session registry: runs outlive a dropped connection for the TTL, then are stopped."""

import pytest

from app_ui import session_runs


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
    registry = session_runs._Registry()
    training, paused = FakeRun(), FakeRun(state="paused")
    registry.runs["s1"] = {"flows": (training, None, None), "gans": (paused, None, None)}
    registry.last_seen["s1"] = 0.0
    registry.reap(lambda sid: False, now=1.0)
    assert training.calls == ["pause"] and paused.calls == [], "a training run pauses while nobody watches"
    registry.reap(lambda sid: True, now=3.0)
    assert training.calls == ["pause", "train"] and paused.calls == [], "and resumes on reconnect; the paused one stays"
    registry.reap(lambda sid: False, now=3.0 + session_runs.RUN_TTL_S / 2)
    assert "s1" in registry.runs, "within the TTL the runs are kept"
    registry.reap(lambda sid: False, now=3.0 + session_runs.RUN_TTL_S + 1)
    assert "s1" not in registry.runs and training.calls[-1] == "stop" and paused.calls == ["stop"]
    assert "s1" in registry.released, "a page that comes back is told its runs were released"


def test_frames_slow_down_when_many_live_pages_would_exceed_the_servers_budget(monkeypatch):
    from app_ui import live_page

    monkeypatch.setattr(live_page.FRAME_COST, "mean_s", 0.02)
    for live_pages, interval in [(1, 0.5), (10, 0.5), (30, 1.5), (1000, live_page.MAX_FRAME_INTERVAL_S)]:
        monkeypatch.setattr(live_page, "live_run_count", lambda n=live_pages: n)
        assert live_page.frame_interval_s() == pytest.approx(interval)
    live_page.FRAME_COST.add(0.12)
    assert live_page.FRAME_COST.mean_s == pytest.approx(0.9 * 0.02 + 0.1 * 0.12)


def test_a_run_paused_for_long_is_parked_and_a_training_one_is_not():
    registry = session_runs._Registry()
    idle = FakeRun(state="paused", started=True, last_command_at=0.0)
    training = FakeRun(state="running", started=True, last_command_at=0.0)
    never_started = FakeRun(state="idle", started=False, last_command_at=0.0)
    registry.runs["s1"] = {"a": (idle, None, None), "b": (training, None, None), "c": (never_started, None, None)}
    registry.reap(lambda sid: True, now=session_runs.PARK_AFTER_S / 2)
    assert idle.calls == []
    registry.reap(lambda sid: True, now=session_runs.PARK_AFTER_S + 1)
    assert idle.calls == ["park"] and training.calls == [] and never_started.calls == []
    registry.reap(lambda sid: True, now=session_runs.PARK_AFTER_S + 5)
    assert idle.calls == ["park"], "parked once"


def test_a_browser_back_with_a_new_session_takes_its_runs_over_or_is_told_they_were_released():
    registry = session_runs._Registry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = now = session_runs.time.monotonic()
    registry.reap(lambda sid: False, now=now + 1)
    assert run.calls == ["pause"]
    assert registry.take_over("old", "new") is None
    assert registry.runs == {"new": {"flows": (run, None, None)}} and "old" not in registry.last_seen
    registry.of_session("new")
    assert run.calls == ["pause", "train"], "the new session resumes the runs paused while away"
    registry.runs["gone"] = {"flows": (FakeRun(), None, None)}
    registry.last_seen["gone"] = now
    registry.reap(lambda sid: sid == "new", now=now + session_runs.RUN_TTL_S + 5)
    assert registry.take_over("gone", "newer") == now + session_runs.RUN_TTL_S + 5, "released: the page says when"
    assert registry.take_over("gone", "newer") is None, "and says it once"
    assert "newer" not in registry.runs


def test_the_previous_session_id_is_the_third_websocket_subprotocol(monkeypatch):
    headers = {"Sec-WebSocket-Protocol": "streamlit, token, old-id"}
    monkeypatch.setattr(session_runs.st, "context", type("Context", (), {"headers": headers})())
    assert session_runs.previous_session_id("new-id") == "old-id"
    assert session_runs.previous_session_id("old-id") is None, "the same session reconnected: nothing to take over"
    headers["Sec-WebSocket-Protocol"] = "streamlit, token"
    assert session_runs.previous_session_id("new-id") is None, "a first visit names no previous session"


def test_a_browser_back_after_the_ttl_is_released_even_before_the_reaper_got_to_it(monkeypatch):
    registry = session_runs._Registry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = session_runs.time.monotonic() - session_runs.RUN_TTL_S - 1
    assert registry.take_over("old", "new") is not None
    assert run.calls == ["stop"] and "new" not in registry.runs and "old" not in registry.runs


def test_a_session_taken_over_while_the_reaper_looks_at_it_is_not_paused_by_the_reaper():
    """The reaper reads the session list, then the browser's new session takes the old one's runs
    over (its script run), then the reaper reaches the old id: it must leave the runs alone."""
    registry = session_runs._Registry()
    run = FakeRun()
    registry.runs["old"] = {"flows": (run, None, None)}
    registry.last_seen["old"] = now = session_runs.time.monotonic()

    def connected_while_taken_over(session_id):
        if session_id == "old":
            assert registry.take_over("old", "new") is None
        return False

    registry.reap(connected_while_taken_over, now=now + 1)
    assert run.calls == [] and registry.runs["new"]["flows"][0] is run
    assert "old" not in registry.paused_while_away and "old" not in registry.runs
