"""The Divergences page run headless with AppTest: every view, links and bad input."""

import math

import pytest

from tests.app.test_pages import open_page


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_fitting_lab_fits_and_fills_the_matrix():
    app = open_page("divergences")
    assert not app.exception and not app.error
    assert app.dataframe[0].value.shape == (2, 3)  # the target's table: weight, mean, width per component
    table = app.dataframe[-1].value
    assert list(table.index)[:2] == ["KL(p‖q), forward: mode covering", "KL(q‖p), reverse: mode seeking"]
    assert "W₁" in table.columns and not table.isin(["nan", "NaN"]).any().any()
    # the forward-KL fit has the smaller forward KL, the reverse-KL fit the smaller reverse KL
    forward, reverse = table.iloc[0], table.iloc[1]
    assert float(forward["KL(p‖q)"]) < float(reverse["KL(p‖q)"])
    assert float(reverse["KL(q‖p)"]) < float(forward["KL(q‖p)"])


def test_disjoint_supports_show_the_saturated_divergences():
    app = open_page("divergences", {"view": "disjoint", "theta": "1.2"})
    assert not app.exception and not app.error
    assert float(metric(app, "JS")) == pytest.approx(math.log(2), abs=1e-3)
    assert metric(app, "KL(p‖q)") == "∞" and float(metric(app, "TV")) == pytest.approx(1.0)
    assert float(metric(app, "W₁")) == pytest.approx(1.2, abs=0.01)


def test_gan_value_equals_two_js_minus_log_four():
    app = open_page("divergences", {"view": "gan", "q_mean": "1.5", "q_width": "0.7"})
    assert not app.exception and not app.error
    value, identity = (
        float(metric(app, "V(D*, G) = E_p log D* + E_q log(1 − D*)")),
        float(metric(app, "2 JS(p, q) − log 4")),
    )
    assert value == pytest.approx(identity, abs=1e-4) and -math.log(4) <= value <= 0


def test_f_divergence_table_lists_every_f():
    app = open_page("divergences", {"view": "fgan", "f_key": "js"})
    assert not app.exception and not app.error
    assert len(app.dataframe[-1].value) == 6
    assert any(b.label == "Train the critic" for b in app.button)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"target": "1:0:0"}, "width"),
        ({"target": "x"}, "weight:mean:width"),
        ({"target": "-1:0:1"}, "non-negative"),
        ({"fitted_by": "euclid"}, "Fits can minimise"),
        ({"theta": "9"}, "Theta must be between"),
    ],
)
def test_bad_links_say_so_and_fall_back(query, message):
    app = open_page("divergences", query)
    assert not app.exception
    assert any(message in e.value for e in app.error)


def test_a_bad_target_typed_in_gets_a_message_and_nothing_breaks():
    app = open_page("divergences", {"view": "gan"})
    app.text_input(key="div_target").set_value("1:0:0").run()
    assert not app.exception and any("width" in e.value for e in app.error)
    app.text_input(key="div_target").set_value("1:0:1").run()
    assert not app.exception and not app.error


def divergence_table(app) -> dict[str, str]:
    """The p-vs-q view's Markdown tables of divergences: label -> value as shown."""
    text = next(m.value for m in app.markdown if m.value.startswith("| KL(p‖q)"))
    values = {}
    for block in text.split("\n\n"):
        header, _, row = block.splitlines()
        values |= dict(
            zip(header.strip("| ").split(" | "), (v.strip("*") for v in row.strip("| ").split(" | ")), strict=True)
        )
    return values


def test_p_versus_q_shows_every_divergence_and_infinite_chi_square_as_such():
    app = open_page("divergences", {"view": "gan", "q_width": "0.3"})  # q much narrower than p: int p^2/q diverges
    assert not app.exception and not app.error
    shown = divergence_table(app)
    assert len(shown) == 12 and shown["Pearson χ²"] == "∞" and shown["Rényi α = 2"] == "∞"
    assert float(shown["W₁"]) > 0 and float(shown["KL(p‖q)"]) > 0
    assert not any(v in ("nan", "NaN", "undefined") for v in shown.values())


def test_two_d_view_compares_samples_and_densities():
    app = open_page("divergences", {"view": "samples", "samples": "100", "q_shift": "1.5"})
    assert not app.exception and not app.error
    assert float(metric(app, "W₁ (samples)")) > 1.0 and float(metric(app, "W₂ (samples)")) >= float(
        metric(app, "W₁ (samples)")
    )
    assert float(metric(app, "KL(p‖q)")) > 0 and float(metric(app, "JS")) <= math.log(2)
    app = open_page("divergences", {"view": "samples", "q_samples": "moons", "samples": "100"})
    assert not app.exception and not app.error
    assert any("need a density" in c.value for c in app.caption) and not any(m.label == "KL(p‖q)" for m in app.metric)


def test_two_d_view_takes_the_gan_of_the_gans_page_when_there_is_one():
    app = open_page("divergences", {"view": "samples", "q_samples": "gan"})
    assert not app.exception and any("Train a 2-D GAN" in i.value for i in app.info)
    app = open_page("gans", {"target": "ring8", "g_width": "16", "d_width": "16"})

    def open_divergences_with_the_gan(samples: int):
        app.switch_page("app_pages/divergences.py")
        app.query_params.clear()
        for key, value in {"view": "samples", "q_samples": "gan", "samples": str(samples)}.items():
            app.query_params[key] = value
        app.run()

    open_divergences_with_the_gan(50)
    assert any("Train a 2-D GAN" in i.value for i in app.info), "a GANs page never trained holds no generator yet"
    app.switch_page("app_pages/gans.py").run()
    app.button(key="gans_step").click().run()
    open_divergences_with_the_gan(60)
    assert not app.exception and not app.error and not app.info
    assert float(metric(app, "W₁ (samples)")) > 0
    assert app.session_state["div_q_samples"] == "gan"
