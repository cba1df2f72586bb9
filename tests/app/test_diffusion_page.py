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


@pytest.mark.parametrize(
    "query", [{"sampler": "ddpm"}, {"sample_steps": "0"}, {"kind": "gan"}, {"target": "bimodal_1d"}]
)
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("diffusion", query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)


def test_a_conditional_link_guides_and_the_measurements_come_on_request():
    app = open_page(
        "diffusion", {"target": "grid25", "conditional": "true", "guidance": "2", "field_noise_level": "0.5"}
    )
    assert not app.exception and not app.error
    assert app.toggle(key="diffusion_conditional").value and app.select_slider(key="diffusion_guidance").value == 2.0
    assert float(metric(app, "Spread")) > 0 and metric(app, "Class accuracy").endswith("%")
    assert app.select_slider(key="diffusion_field_noise_level").value == 0.5
    assert any("noise level 0.5" in m.value for m in app.markdown)
    app.select_slider(key="diffusion_field_noise_level").set_value(0.05).run()
    assert app.query_params["field_noise_level"] == "0.05" and app.query_params["conditional"].lower() == "true"
    app.button[[b.label for b in app.button].index("Measure quality against steps")].click().run()
    assert not app.exception and any("W₁ against log₁₀ steps" in str(i.proto) for i in app.get("image"))


def test_the_conditional_toggle_is_off_for_a_target_without_modes_and_a_bad_noise_level_says_so():
    app = open_page("diffusion", {"target": "checkerboard", "field_noise_level": "0.33"})
    assert not app.exception
    assert app.toggle(key="diffusion_conditional").disabled and not app.toggle(key="diffusion_conditional").value
    assert any("noise level" in e.value for e in app.error)
    app = open_page("diffusion", {"target": "checkerboard", "conditional": "true"})
    assert not app.exception and not app.toggle(key="diffusion_conditional").value
