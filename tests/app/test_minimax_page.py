"""The Minimax page run headless with AppTest: the verdicts of links, every rule, bad links, Play."""

import pytest

from tests.app.test_pages import metric, open_page


def test_the_default_bilinear_game_says_simultaneous_gda_diverges():
    app = open_page("minimax")
    assert not app.exception and not app.error
    assert metric(app, "Spectral radius ρ") == "1.0050"
    assert any("diverges" in w.value for w in app.warning)
    assert len(app.get("image")) == 3


@pytest.mark.parametrize(
    "query, verdict",
    [
        ({"rule": "alternating"}, "cycles"),
        ({"rule": "extragradient"}, "converges"),
        ({"rule": "optimistic"}, "converges"),
        ({"rule": "multi_ascent", "n_dis": "3"}, "cycles"),
        ({"game": "convex_concave", "mu": "0.5"}, "converges"),
        ({"game": "dirac", "regularizer": "r1", "gamma": "3.0"}, "converges"),
        ({"game": "dirac", "loss": "wgan"}, "diverges"),
        ({"game": "dirac", "regularizer": "gp"}, "no verdict"),
    ],
)
def test_each_link_gets_its_verdict_and_keeps_its_settings(query, verdict):
    app = open_page("minimax", query)
    assert not app.exception and not app.error
    messages = [m.value for m in (*app.success, *app.info, *app.warning)]
    assert any(verdict in m for m in messages), messages
    for key, value in query.items():
        assert app.query_params[key] == value


def test_play_draws_the_iterations_frame_by_frame():
    app = open_page("minimax", {"steps": "100"})
    app.button[0].click().run()
    assert not app.exception and app.session_state["minimax_frame"] is not None


@pytest.mark.parametrize("query", [{"game": "saddle"}, {"alpha": "0"}, {"theta0": "0", "phi0": "0"}, {"steps": "-3"}])
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("minimax", query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)
