"""The Image GANs page run headless with AppTest: every view of every shipped model, links, bad links."""

import pytest

from engine.image_gans.explore import VIEWS
from engine.image_gans.shipped import SHIPPED_IMAGE_GANS
from tests.app.test_pages import metric, open_page


@pytest.mark.parametrize("model", list(SHIPPED_IMAGE_GANS))
def test_every_view_of_every_model_draws_or_says_why_not(model):
    for view in (v for v in VIEWS if v != "train"):  # the live view: its own test below
        app = open_page("image_gans", {"model": model, "view": view, "seed": "3"})
        assert not app.exception and not app.error, (model, view)
        assert float(metric(app, "FID (classifier)")) > 0
        drawn = len(app.get("image"))
        applicable = (
            view in ("samples", "interpolate")
            or (view == "classes" and model != "gan-dcgan")
            or (view == "codes" and model == "gan-infogan")
        )
        assert drawn >= 1 if applicable else any("pick" in i.value for i in app.info), (model, view)
        assert app.query_params.get("model", "gan-dcgan") == model


def test_the_conditional_grid_is_read_back_by_the_classifier():
    app = open_page("image_gans", {"model": "gan-projection", "view": "classes"})
    assert any("reads each row as asked" in c.value for c in app.caption)
    assert metric(app, "Class accuracy").endswith("%")


@pytest.mark.parametrize("query", [{"model": "gan-huge"}, {"view": "gallery"}, {"seed": "-4"}])
def test_a_bad_link_says_so(query):
    app = open_page("image_gans", query)
    assert not app.exception and any("could not be used" in e.value for e in app.error)


def test_the_live_view_steps_a_small_dcgan_and_keeps_its_settings_in_the_link():
    app = open_page("image_gans", {"view": "train", "live_width": "16"})
    assert not app.exception and not app.error
    app.button(key="ig_live_step").click().run()
    assert not app.exception and metric(app, "FID (classifier)") != "–"
    assert app.query_params["live_width"] == "16" and app.query_params["view"] == "train"
