"""The VAE page run headless with AppTest: every view, links, and bad input."""

import pytest
import streamlit as st

from tests.app.test_pages import open_page


def captions(app) -> list[str]:
    return [c.value for c in app.caption]


def metric(app, label: str) -> float:
    return float(next(m.value for m in app.metric if m.label == label))


def test_latent_map_decodes_the_chosen_point():
    app = open_page("vae")
    assert not app.exception and not app.error
    assert app.selectbox(key="vae_model").value == "vae-2d"
    assert any(c.startswith("decoded at z = (0.00, 0.00)") for c in captions(app))
    app.number_input(key="vae_z1").set_value(1.5).run()
    assert any(c.startswith("decoded at z = (1.50, 0.00)") for c in captions(app))
    assert not app.exception


def test_link_reaches_the_interpolation_view():
    app = open_page("vae", {"view": "interpolate", "model": "vae-16d", "start": "5", "end": "17", "steps": "7"})
    assert not app.exception and not app.error
    assert app.number_input(key="vae_start").value == 5 and app.slider(key="vae_steps").value == 7
    assert any(s.value.startswith("From test digit #5") for s in app.subheader)
    assert any(c.startswith("linear") for c in captions(app)) and any(c.startswith("spherical") for c in captions(app))


def test_posterior_of_a_test_digit_shows_its_bounds_in_order():
    app = open_page("vae", {"view": "posterior", "source": "test", "start": "3"})
    assert not app.exception and not app.error
    elbo, kl = metric(app, "ELBO (nats)"), metric(app, "KL(q(z|x) ‖ p(z))")
    assert kl > 0 and elbo < metric(app, "L_1000 ≤ log p(x)") + 0.5


def test_posterior_without_a_drawing_says_what_to_do():
    app = open_page("vae", {"view": "posterior"})
    assert not app.exception and not app.error
    assert any("Draw a digit" in i.value for i in app.info)


def test_beta_view_lists_every_model():
    app = open_page("vae", {"view": "beta"})
    assert not app.exception and not app.error
    assert len(app.dataframe[0].value) == 5
    assert any("units are active" in c for c in captions(app))


def test_the_map_offers_only_two_d_models():
    app = open_page("vae", {"view": "interpolate", "model": "vae-16d"})
    app.radio(key="vae_view").set_value("map").run()
    assert not app.exception and app.selectbox(key="vae_model").value == "vae-2d"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"model": "gpt"}, "Unknown model"),
        ({"z1": "9"}, "Z1 must be between"),
        ({"start": "x"}, "not a valid int"),
        ({"grid": "1e999"}, "not a valid int"),
    ],
)
def test_a_bad_link_says_so_and_falls_back_to_defaults(query, message):
    app = open_page("vae", query)
    assert not app.exception
    assert any(message in e.value for e in app.error)
    assert app.selectbox(key="vae_model").value == "vae-2d"


def test_an_absent_model_gets_a_message_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("GP_PRETRAINED_DIR", str(tmp_path))
    monkeypatch.setenv("GP_HUB_NAMESPACE", "nobody-here")
    monkeypatch.setattr(
        "engine.pretrained.snapshot_download", lambda **kwargs: (_ for _ in ()).throw(OSError("offline"))
    )
    st.cache_resource.clear()
    st.cache_data.clear()
    try:
        app = open_page("vae")
        assert not app.exception
        assert any("not shipped" in e.value and "nobody-here/vae-2d" in e.value for e in app.error)
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()


def test_settings_survive_a_trip_to_another_view():
    app = open_page(
        "vae", {"view": "interpolate", "start": "5", "end": "17", "to_digit": "3", "interpolation": "linear"}
    )
    app.slider(key="vae_steps").set_value(12).run()
    app.radio(key="vae_view").set_value("beta").run()
    app.radio(key="vae_view").set_value("interpolate").run()
    assert not app.exception and not app.error
    assert (app.number_input(key="vae_start").value, app.number_input(key="vae_end").value) == (5, 17)
    assert app.slider(key="vae_steps").value == 12 and app.selectbox(key="vae_to_digit").value == 3
    assert app.radio(key="vae_interpolation").value == "linear"
    app.radio(key="vae_view").set_value("map").run()
    app.number_input(key="vae_z1").set_value(1.5).run()
    app.radio(key="vae_view").set_value("live").run()
    app.radio(key="vae_view").set_value("map").run()
    assert app.number_input(key="vae_z1").value == 1.5 and app.checkbox(key="vae_encodings").value


def test_live_view_links_keep_both_configs_and_views_switch():
    app = open_page("vae", {"view": "live", "live_beta": "4.0", "live_seed": "3"})
    assert not app.exception and not app.error
    assert app.number_input(key="live_seed").value == 3
    assert {"▶ Train", "Step", "↺ Reset"} <= {b.label for b in app.button}
    app.button(key="live_step").click().run()
    assert not app.exception
    app.radio(key="vae_view").set_value("map").run()
    assert not app.exception
    assert (app.query_params["live_seed"], app.query_params["live_beta"]) == ("3", "4.0")
    assert "view" not in app.query_params  # the map is the default view


def test_a_bad_live_link_says_so():
    app = open_page("vae", {"view": "live", "live_batch_size": "5000"})
    assert not app.exception
    assert any("Batch size must be between" in e.value for e in app.error)
