"""Each page run headless with Streamlit's AppTest: widgets present, bad input gives a message."""

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.flows.task import FlowRunConfig
from engine.gans.task import GanRunConfig

TIMEOUT = 120
APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, query=None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    return app


def open_flows(query=None) -> AppTest:
    return open_page("flows", query)


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_home_page_has_a_card_per_page_and_the_device():
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    assert app.title[0].value.endswith("Generative Playground")
    assert any("Normalizing flows" in h.value for h in app.subheader)
    assert any("Device for the engine" in c.value for c in app.caption)


def test_flows_page_shows_controls_and_metrics():
    app = open_flows()
    assert not app.exception and not app.error
    assert {"▶ Train", "Step", "↺ Reset"} <= {b.label for b in app.button}
    assert metric(app, "Step") == "0"
    assert float(metric(app, "Held-out NLL")) > float(metric(app, "Floor H(p)"))
    app.button(key="flows_step").click().run()
    assert metric(app, "Step") == "1"
    assert not app.exception


def test_link_settings_reach_the_widgets():
    app = open_flows({"target": "moons", "flow_type": "glow", "n_layers": "3", "seed": "7"})
    assert not app.exception and not app.error
    assert app.selectbox(key="flows_target").value == "moons"
    assert app.selectbox(key="flows_flow_type").value == "glow"
    assert app.slider(key="flows_n_layers").value == 3
    assert metric(app, "KL(p‖q)") == "n/a", "moons has no closed-form density"


@pytest.mark.parametrize("query", [{"n_layers": "100"}, {"learning_rate": "abc"}, {"target": "nowhere"}])
def test_a_bad_link_says_so_and_falls_back_to_defaults(query):
    app = open_flows(query)
    assert not app.exception
    assert any("could not be used" in e.value for e in app.error)
    assert metric(app, "Step") == "0"


def test_one_d_target_switches_to_a_one_d_flow():
    app = open_flows()
    app.selectbox(key="flows_target").set_value("bimodal_1d").run()
    assert not app.exception and not app.error
    assert app.selectbox(key="flows_flow_type").value == "cdf"


GOOD_ROWS = "\n".join(f"{x:.4f},{y:.4f}" for x, y in np.random.default_rng(0).normal(size=(300, 2)))
BAD_CSVS = {
    "wrong columns": (b"a,b,c\n1,2,3\n4,5,6\n", "columns"),
    "text": (b"x,y\nhello,world\n" * 20, "number"),
    "nan": (("x,y\n" + GOOD_ROWS + "\nnan,1\n").encode(), "missing or infinite"),
    "inf": (("x,y\n" + GOOD_ROWS + "\n1,inf\n").encode(), "missing or infinite"),
    "one row": (b"x,y\n1,2\n", "at least 10"),
    "millions of rows": (b"x,y\n" + b"1.5,2.5\n" * 2_000_000, "limit"),
    "garbage": (np.random.default_rng(1).bytes(3_000_000), "CSV"),
}


@pytest.mark.parametrize("case", list(BAD_CSVS))
def test_bad_csv_gets_one_sentence_and_the_page_keeps_working(case):
    data, words = BAD_CSVS[case]
    app = open_flows()
    app.selectbox(key="flows_target").set_value("csv").run()
    app.file_uploader(key="flows_csv_file").set_value(("data.csv", data, "text/csv")).run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and words.lower() in errors[0].lower(), errors
    assert errors[0].count(". ") <= 1, "one sentence"
    app.file_uploader(key="flows_csv_file").set_value(("good.csv", ("x,y\n" + GOOD_ROWS).encode(), "text/csv")).run()
    assert not app.exception and not app.error
    assert metric(app, "Step") == "0"


def test_drawing_target_without_a_drawing_explains_what_to_do():
    app = open_flows()
    app.selectbox(key="flows_target").set_value("drawn").run()
    assert not app.exception and not app.error
    assert app.info, "a hint on what to do next"


def test_switching_flow_types_keeps_the_page_working():
    app = open_flows()
    for flow_type in ("nice", "realnvp", "glow", "spline"):
        app.selectbox(key="flows_flow_type").set_value(flow_type).run()
        assert not app.exception and not app.error, flow_type
    assert app.slider(key="flows_n_bins").value == FlowRunConfig().n_bins, "the bin count survived the detour"


def test_data_far_from_the_origin_gets_a_hint_to_standardise():
    far = "\n".join(f"{x:.1f},{y:.1f}" for x, y in 1000 * np.random.default_rng(2).normal(size=(200, 2)))
    app = open_flows()
    app.selectbox(key="flows_target").set_value("csv").run()
    app.file_uploader(key="flows_csv_file").set_value(("far.csv", ("x,y\n" + far).encode(), "text/csv")).run()
    assert not app.exception and not app.error
    assert any("standardise" in w.value for w in app.warning)


def open_gans(query=None) -> AppTest:
    return open_page("gans", query)


def test_gans_page_shows_controls_metrics_and_steps_by_part():
    app = open_gans({"target": "ring8_narrow", "g_width": "16", "d_width": "16"})
    assert not app.exception and not app.error
    assert {"▶ Train", "Step D", "Step G", "Step", "↺ Reset"} <= {b.label for b in app.button}
    assert metric(app, "Step") == "0" and metric(app, "Modes").endswith("/ 8")
    for key in ("gans_step_d", "gans_step_g", "gans_step"):
        app.button(key=key).click().run()
    assert metric(app, "Step") == "3"
    assert not app.exception and not app.error


def test_a_page_view_holds_no_trainer_until_train_or_step():
    from app_ui.session_registry import REGISTRY

    def all_runs():
        return {id(run): run for runs in REGISTRY.runs.values() for run, *_ in runs.values()}

    before = all_runs()
    app = open_flows({"seed": "12345"})
    new = [run for key, run in all_runs().items() if key not in before]
    assert len(new) == 1 and not new[0].started, "the step-0 view is drawn without a process"
    assert metric(app, "Step") == "0" and float(metric(app, "Held-out NLL")) > 0
    app.button(key="flows_step").click().run()
    assert new[0].started and metric(app, "Step") == "1"
    new[0].stop()


def test_gans_page_on_a_1d_target_steps_and_draws_the_curves():
    app = open_page("gans", {"target": "bimodal_1d"})
    assert not app.exception and not app.error
    app.button(key="gans_step").click().run()
    assert metric(app, "Step") == "1"
    assert not app.exception


def test_home_page_has_a_card_for_every_registered_page():
    from app_ui.registry import PAGES

    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    titles = {h.value for h in app.subheader}
    for page in PAGES:
        assert f"{page.icon} {page.title}" in titles
        assert (Path(APP).parent / page.script).exists()


def test_gans_link_reaches_the_widgets_and_ab_mode():
    app = open_gans(
        {"target": "grid25_narrow", "loss": "hinge", "spectral_norm": "true", "ab": "1", "b_loss": "fgan_js"}
    )
    assert not app.exception and not app.error
    assert app.selectbox(key="gans_target").value == "grid25_narrow"
    assert app.selectbox(key="gans_loss").value == "hinge" and app.checkbox(key="gans_spectral_norm").value
    assert app.toggle(key="gans_ab").value and app.selectbox(key="gans_b_loss").value == "fgan_js"
    assert any("Run B" in m.value for m in app.markdown)
    app.button(key="gans_step").click().run()
    assert metric(app, "Step") == "1"  # one counter: both runs step together
    assert [m.label for m in app.metric].count("Modes") == 2
    assert not app.exception


def test_gans_presets_load_into_the_widgets():
    app = open_gans()
    app.button(key="gans_preset_collapse").click().run()
    assert app.selectbox(key="gans_target").value == "ring8_narrow"
    assert not app.exception and not app.error


@pytest.mark.parametrize(
    "query", [{"g_layers": "12"}, {"d_lr": "fast"}, {"loss": "nowhere"}, {"ab": "1", "b_d_steps": "0"}]
)
def test_gans_bad_link_says_so_and_falls_back_to_defaults(query):
    app = open_gans(query)
    assert not app.exception
    assert app.error and "could not be used" in app.error[0].value
    assert app.selectbox(key="gans_loss").value == GanRunConfig.loss


def test_gans_bad_csv_gives_a_message_then_a_good_one_trains():
    app = open_gans({"target": "csv", "g_width": "16", "d_width": "16"})
    app.file_uploader(key="gans_csv_file").set_value(("bad.csv", b"x,y\n1,oops\n", "text/csv")).run()
    assert not app.exception and app.error
    app.file_uploader(key="gans_csv_file").set_value(("good.csv", ("x,y\n" + GOOD_ROWS).encode(), "text/csv")).run()
    assert not app.exception and not app.error
    app.button(key="gans_step").click().run()
    assert metric(app, "Step") == "1"


def test_gans_run_b_keeps_its_settings_while_comparison_is_off():
    app = open_gans({"ab": "1", "g_width": "16", "d_width": "16", "b_g_width": "16", "b_d_width": "16"})
    app.selectbox(key="gans_b_loss").set_value("hinge").run()
    app.toggle(key="gans_ab").set_value(False).run()
    app.toggle(key="gans_ab").set_value(True).run()
    assert app.selectbox(key="gans_b_loss").value == "hinge"
    assert not app.exception and not app.error
