"""The Arena page run headless with AppTest: the start line scored, a turn, links and bad links."""

import pytest

from tests.app.test_pages import open_page


def table(app):
    return app.dataframe[0].value


def test_the_start_line_is_scored_for_every_contender_and_a_turn_trains_one():
    app = open_page("arena", {"contenders": "flow,gan,rnade", "budget_s": "5"})
    assert not app.exception and not app.error
    assert list(table(app)["Model"]) == ["Normalizing flow", "GAN", "RNADE"]
    assert list(table(app)["Density"]) == ["exact", "none (samples only)", "exact"]
    assert table(app)["KL(p‖q)"][1] == "–" and any("🏆" in str(v) for v in table(app)["KL(p‖q)"])
    app.button(key="arena_step").click().run()
    assert not app.exception
    assert "of 5 s each" in app.get("progress")[0].proto.text
    assert app.query_params["contenders"] == "flow,gan,rnade" and app.query_params["budget_s"] == "5"


def test_dropping_a_contender_starts_a_new_race_and_the_link_follows():
    app = open_page("arena", {"contenders": "flow,rnade", "budget_s": "5"})
    app.multiselect(key="arena_names").unselect("flow").run()
    assert not app.exception and list(table(app)["Model"]) == ["RNADE"]
    assert app.query_params["contenders"] == "rnade"
    app.multiselect(key="arena_names").unselect("rnade").run()
    assert not app.exception and any("at least one contender" in i.value for i in app.info)


@pytest.mark.parametrize(
    "query", [{"contenders": "flow,bogus"}, {"budget_s": "0"}, {"target": "bimodal_1d"}, {"replay_at": "99"}]
)
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("arena", query | {"contenders": query.get("contenders", "gan")})
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)
