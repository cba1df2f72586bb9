"""The Style Mixing page run headless with AppTest: every view, presets and layer boxes, links, bad input."""

import pytest
import streamlit as st

from tests.app.test_pages import open_page


def test_the_mixing_grid_shows_with_the_coarse_preset():
    app = open_page("style_mixing")
    assert not app.exception and not app.error
    assert app.radio(key="sm_preset").value == "coarse"
    assert [app.checkbox(key=f"sm_layer_{i}").value for i in range(7)] == [True] * 3 + [False] * 4
    assert len(app.get("image")) == 1 and any("Coarse layers" in c.value for c in app.caption)


def test_a_preset_and_a_layer_box_edit_the_layers_and_the_link():
    app = open_page("style_mixing")
    app.radio(key="sm_preset").set_value("fine").run()
    assert not app.exception and app.session_state["sm_layers"] == "5,6"
    assert [app.checkbox(key=f"sm_layer_{i}").value for i in range(7)] == [False] * 5 + [True] * 2
    app.checkbox(key="sm_layer_0").check().run()
    assert (
        not app.exception and app.session_state["sm_layers"] == "0,5,6" and app.radio(key="sm_preset").value == "custom"
    )


@pytest.mark.parametrize("view", ["truncation", "noise", "interpolate", "influence"])
def test_every_view_draws(view):
    app = open_page("style_mixing", {"view": view})
    assert not app.exception and not app.error
    assert app.get("image") or app.get("plotly_chart")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"seeds_a": "1,x"}, "not a seed"),
        ({"seeds_b": "1-20"}, "at most 8 seeds; '1-20' has 20"),
        ({"seeds_a": "1,2,3,4,5,6,7,8,9"}, "at most 8"),
        ({"psi": "3"}, "Psi must be between"),
        ({"layers": "0,9"}, "numbered 0 to 6"),
        ({"noise": "loud"}, "Noise is one of"),
    ],
)
def test_bad_links_say_so_and_fall_back(query, message):
    app = open_page("style_mixing", query)
    assert not app.exception
    assert any(message in e.value for e in app.error)


def test_bad_seeds_typed_in_get_a_message_and_nothing_breaks():
    app = open_page("style_mixing")
    app.text_input(key="sm_seeds_a").set_value("1,,two").run()
    assert not app.exception and any("not a seed" in e.value for e in app.error)
    app.text_input(key="sm_seeds_a").set_value("3,8").run()
    assert not app.exception and not app.error


def test_an_absent_model_gets_a_message(tmp_path, monkeypatch):
    monkeypatch.setenv("GP_PRETRAINED_DIR", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    st.cache_resource.clear()
    try:
        app = open_page("style_mixing")
        assert not app.exception and any("could not be loaded" in e.value for e in app.error)
    finally:
        st.cache_resource.clear()


def test_a_bad_seed_list_does_not_lock_the_views_that_do_not_use_it():
    app = open_page("style_mixing")
    app.text_input(key="sm_seeds_a").set_value("1,,two").run()
    assert any("not a seed" in e.value for e in app.error)
    app.radio(key="sm_view").set_value("influence").run()
    assert not app.exception and not app.error and app.get("plotly_chart")
    assert any("fix it there" in w.value for w in app.warning)
