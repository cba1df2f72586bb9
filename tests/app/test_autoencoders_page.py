"""The Autoencoders page run headless with AppTest: every view, links, bad links."""

import pytest

from tests.app.test_pages import open_page


def metric(app, label: str) -> float:
    return float(next(m.value for m in app.metric if m.label == label).split()[0])


def test_ae_vs_pca_shows_the_linear_ae_at_pca_and_the_others_below():
    app = open_page("autoencoders")
    assert not app.exception and not app.error
    pca, linear, mlp = metric(app, "PCA"), metric(app, "linear AE"), metric(app, "mlp AE")
    assert pca <= linear <= pca * 1.02 and mlp < pca
    assert any("principal angles" in c.value for c in app.caption)
    app.select_slider(key="ae_r").set_value(32).run()
    assert metric(app, "PCA") < pca and app.query_params["r"] == "32"


def test_denoising_beats_the_noisy_input_and_follows_the_link():
    app = open_page(
        "autoencoders", {"view": "denoise", "corruption": "salt_and_pepper", "level": "0.2", "scribble_digit": "7"}
    )
    assert not app.exception and not app.error
    assert app.radio(key="ae_corruption").value == "salt_and_pepper" and app.slider(key="ae_level").value == 0.2
    assert app.selectbox(key="ae_scribble_digit").value == 7
    assert any("Scribble on the digit" in i.value for i in app.info), "the empty canvas says what to do"
    assert metric(app, "PSNR, denoising AE") > metric(app, "PSNR, noisy input") + 3


@pytest.mark.parametrize("compressor", ["ae", "pca", "jpeg", "vqvae"])
def test_every_compressor_shows_its_rate_and_error(compressor):
    app = open_page("autoencoders", {"view": "compress", "compressor": compressor, "codebook": "16"})
    assert not app.exception and not app.error
    assert metric(app, "Bytes per image") > 0 and metric(app, "‖x − x̂‖² per digit") > 0
    if compressor == "vqvae":
        assert metric(app, "Bytes per image") == pytest.approx(49 * 4 / 8, abs=0.05)
        assert any("Codebook use" in m.value for m in app.markdown)


def test_clustering_scores_every_space():
    app = open_page("autoencoders", {"view": "cluster", "space": "pca", "r": "2"})
    assert not app.exception and not app.error
    table = app.dataframe[0].value
    assert len(table) == 5 and ((table["NMI"] > 0) & (table["NMI"] <= 1)).all()


def test_anomaly_detection_shows_the_auc():
    app = open_page("autoencoders", {"view": "anomaly", "left_out": "8"})
    assert not app.exception and not app.error
    assert 0.5 < metric(app, "ROC AUC") <= 1.0
    assert any("Draw a digit, a letter" in i.value for i in app.info)
    app.radio(key="ae_left_out").set_value(1).run()
    assert metric(app, "ROC AUC") < 0.5 and any("Worse than chance" in i.value for i in app.info)


def test_the_live_view_builds_no_trainer_until_step_and_keeps_its_link():
    app = open_page("autoencoders", {"view": "live", "live_latent_dim": "4", "live_kind": "linear"})
    assert not app.exception and not app.error
    assert app.slider(key="ae_live_latent_dim").value == 4 and app.radio(key="ae_live_kind").value == "linear"
    app.button(key="ae_live_step").click().run()
    assert not app.exception and metric(app, "Step") == 1
    assert app.query_params["live_latent_dim"] == "4"


@pytest.mark.parametrize(
    "query",
    [
        {"view": "warp"},
        {"r": "5"},
        {"view": "denoise", "level": "7"},
        {"left_out": "3"},
        {"view": "live", "live_latent_dim": "500"},
        {"scribble_digit": "12"},
    ],
)
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("autoencoders", query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)
