"""The Diffusion page run headless with AppTest: defaults, a step of each model, links and bad links."""

import pytest

from tests.app.test_pages import metric, open_page


@pytest.mark.parametrize("query", [{}, {"kind": "ddpm", "sampler": "ddim", "schedule": "cosine", "target": "grid25"}])
def test_a_step_trains_and_measures_exactly_and_the_link_keeps_the_settings(query):
    app = open_page("diffusion", query)
    assert not app.exception and not app.error
    assert metric(app, "Step") == "0" and float(metric(app, "W₁")) > 0
    app.button(key="diffusion_step").click().run()
    assert not app.exception and metric(app, "Step") == "1"
    assert float(metric(app, "KL(p‖q)")) > 0 and float(metric(app, "Floor H(p)")) > 0
    for key, value in query.items():
        assert app.query_params[key] == value


def test_switching_the_model_picks_one_of_its_samplers():
    app = open_page("diffusion")
    app.radio(key="diffusion_kind").set_value("ddpm").run()
    assert not app.exception and not app.error
    assert app.selectbox(key="diffusion_sampler").value == "ddpm" and app.query_params["sampler"] == "ddpm"


@pytest.mark.parametrize("query", [{"sampler": "ddpm"}, {"sample_steps": "0"}, {"kind": "gan"}, {"target": "bimodal_1d"}])
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("diffusion", query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)
