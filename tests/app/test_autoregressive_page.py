"""The Autoregressive page run headless with AppTest: every view, links, bad links."""

import threading
import time

import pytest

from app_ui.autoregressive_panels import RecordStore
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from tests.app.test_pages import metric, open_page


def test_sampling_draws_every_pixel_and_a_link_replays_a_step():
    app = open_page("autoregressive", {"model": "ar-nade", "samples": "3"})
    assert not app.exception and not app.error
    assert metric(app, "Pixels drawn") == "784 of 784" and "ms per digit" in metric(app, "Sampling time")
    app = open_page("autoregressive", {"model": "ar-made-8-orderings", "ordering": "5", "step": "100"})
    assert not app.exception and not app.error
    assert metric(app, "Pixels drawn") == "100 of 784" and app.slider(key="ar_ordering").value == 5
    app.button(key="ar_sample_again").click().run()
    assert not app.exception and app.query_params["seed"] == "1"
    assert metric(app, "Pixels drawn") == "784 of 784", "new digits are shown to the end"


def test_completion_and_surprise_work_on_a_held_out_digit_and_wait_for_a_drawing():
    app = open_page("autoregressive", {"view": "complete", "digit": "7"})
    assert not app.exception and not app.error
    assert len(app.get("image")) == 2 * len(SHIPPED_AUTOREGRESSIVE), (
        "the given half and the completions, for every model"
    )
    app = open_page("autoregressive", {"view": "surprise", "digit": "7"})
    assert not app.exception and not app.error
    lowest = next(m for m in app.metric if m.label.startswith("Lowest exact −log p(x)"))
    assert float(lowest.value.split()[0]) > 0
    assert float(metric(app, "VAE, 16-D latent: −IWAE bound").split()[0]) > 0
    app = open_page("autoregressive", {"view": "surprise", "source": "drawn"})
    assert not app.exception and any("Draw a whole digit" in i.value for i in app.info)


def test_receptive_fields_show_every_model_and_no_later_pixel():
    app = open_page("autoregressive", {"view": "receptive", "row": "5", "column": "20"})
    assert not app.exception and not app.error
    earlier = 5 * 28 + 20
    counts = [caption.value for caption in app.caption if "earlier pixels" in caption.value]
    assert len(counts) == len(SHIPPED_AUTOREGRESSIVE) and all(f"of its {earlier} earlier pixels" in c for c in counts)
    for model in ("NADE", "Transformer"):  # every earlier pixel
        assert f"sees {earlier} of its {earlier}" in next(c for c in counts if model in c)


def test_the_likelihood_table_orders_the_models_as_the_literature_does():
    app = open_page("autoregressive", {"view": "table"})
    assert not app.exception and not app.error
    table = app.dataframe[0].value.set_index("model")
    nll = table["held-out −log p(x), nats"].str.split().str[0].astype(float)
    assert nll["Transformer"] < nll["PixelCNN"] < nll["NADE"] < nll["MADE, one ordering"] < nll["FVSBN"]
    assert table.loc["VAE, 16-D latent", "figure"] == "bound" and table.loc["PixelCNN", "figure"] == "exact"


@pytest.mark.parametrize(
    ("view", "prefix", "query"),
    [
        ("live", "ar_live", {"live_model": "nade", "live_hidden": "32"}),
        ("rnade", "ar_rnade", {"rnade_target": "grid25", "rnade_components": "4"}),
    ],
)
def test_a_live_view_steps_and_keeps_its_link(view, prefix, query):
    app = open_page("autoregressive", {"view": view} | query)
    assert not app.exception and not app.error
    app.button(key=f"{prefix}_step").click().run()
    assert not app.exception and metric(app, "Step") == "1"
    for key, value in query.items():
        assert app.query_params[key] == value


@pytest.mark.parametrize(
    "query",
    [
        {"view": "warp"},
        {"model": "ar-nope"},
        {"samples": "99"},
        {"row": "40"},
        {"view": "live", "live_hidden": "7"},
        {"view": "live", "live_model": "nade", "live_hidden": "500"},
        {"view": "rnade", "rnade_target": "bimodal_1d"},
    ],
)
def test_a_bad_link_says_so_and_shows_the_defaults(query):
    app = open_page("autoregressive", query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)


def test_switching_to_nade_brings_the_hidden_units_within_its_limit():
    app = open_page("autoregressive", {"view": "live", "live_hidden": "500"})
    app.radio(key="ar_live_model").set_value("nade").run()
    assert not app.exception and not app.error
    assert app.select_slider(key="ar_live_hidden").value == 128 and app.query_params["live_hidden"] == "128"


def test_sessions_asking_for_the_same_sampling_at_once_share_one():
    store, calls = RecordStore(size=2), []

    def slow_sample():
        calls.append(1)
        time.sleep(0.2)
        return f"record {len(calls)}"

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(store.get_or_sample("key", slow_sample))) for _ in range(5)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and results == ["record 1"] * 5
    store.get_or_sample("b", lambda: "b")
    store.get_or_sample("c", lambda: "c")
    assert store.get_or_sample("key", lambda: "again") == "again", "the oldest record is dropped beyond the size"
