"""The Divergences page's computations: measures between mixtures (tails included), the chi^2
finiteness rule, the fit matrix, the link config and the target table's edits."""

import math

import pytest

from app_ui.divergence_panels import edited_rows
from engine.divergences import explore
from engine.divergences.fitting import Mixture1D


def normal(mean: float, std: float) -> Mixture1D:
    return Mixture1D((1.0,), (mean,), (std,))


def test_measures_include_a_wide_q_s_tails():
    """N(0, 1) against N(0, 3^2): W2 = |3 - 1| = 2 and W1 = (3 - 1) E|Z| = 2 sqrt(2/pi), which a
    grid built around p alone would truncate."""
    measures = explore.measure_mixtures(normal(0, 1), normal(0, 3))
    assert measures["w2"] == pytest.approx(2.0, rel=1e-3)
    assert measures["w1"] == pytest.approx(2 * math.sqrt(2 / math.pi), rel=1e-3)
    assert measures["kl"] == pytest.approx(math.log(3) + 1 / 18 - 0.5, rel=1e-4)


def test_chi_square_is_infinite_exactly_when_its_integral_diverges():
    """int N(0,1)^2 / N(0,s^2) = s^2 / sqrt(2 s^2 - 1), finite iff 2 s^2 > 1."""
    assert explore.square_ratio_is_finite(normal(0, 1), normal(0, 2)) and not explore.square_ratio_is_finite(
        normal(0, 1), normal(0, 0.7)
    )
    measures = explore.measure_mixtures(normal(0, 1), normal(0, 2))
    assert measures["pearson"] == pytest.approx(4 / math.sqrt(7) - 1, rel=1e-4)
    assert measures["renyi_2"] == pytest.approx(math.log(4 / math.sqrt(7)), rel=1e-4)
    assert measures["neyman"] == math.inf  # int N(0,2)^2 / N(0,1): 2 * 1 > 4 fails
    narrow = explore.measure_mixtures(normal(0, 1), normal(0, 0.5))
    assert narrow["pearson"] == narrow["renyi_2"] == math.inf and math.isfinite(narrow["neyman"])
    assert all(not math.isnan(v) for v in narrow.values())


def test_a_zero_weight_component_does_not_count_for_the_tails():
    with_ghost = Mixture1D((1.0, 0.0), (0.0, 5.0), (1.0, 9.0))
    assert explore.square_ratio_is_finite(normal(0, 1), with_ghost) == explore.square_ratio_is_finite(
        normal(0, 1), normal(0, 1)
    )


def test_the_fit_matrix_rows_are_fits_and_each_wins_its_own_column():
    target = explore.parse_mixture(explore.DivergenceLabConfig().target)
    fits, matrix = explore.fit_matrix(target, ["kl", "reverse_kl", "w1"], components=1, seed=0)
    assert list(fits) == list(matrix) == ["kl", "reverse_kl", "w1"]
    for key in matrix:
        assert matrix[key][key] == pytest.approx(min(row[key] for row in matrix.values()), rel=1e-3), key


def test_exact_f_divergence_uses_the_f_gan_scale():
    p, q = normal(0, 1), normal(1, 1.5)
    measures = explore.measure_mixtures(p, q)
    assert explore.exact_f_divergence(p, q, "js") == pytest.approx(2 * measures["js"])
    assert explore.exact_f_divergence(p, q, "kl") == pytest.approx(measures["kl"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": ",".join(["0.1:0:1"] * 11)}, "at most 10"),
        ({"target": "1:0:0.01"}, "widths between"),
        ({"target": "1:99:1"}, "±50"),
        ({"p_samples": "moon"}, "2-D targets"),
        ({"q_samples": "bimodal_1d"}, "q must be"),
        ({"plan_order": 3}, "W1.s or W2.s"),
        ({"samples": 5000}, "Samples must be between"),
        ({"view": "nope"}, "Unknown view"),
    ],
)
def test_the_config_refuses_bad_settings_with_a_sentence(fields, message):
    with pytest.raises(ValueError, match=message):
        explore.DivergenceLabConfig(**fields)


def test_mixture_text_round_trips_and_tells_what_is_wrong():
    rows = explore.mixture_rows("0.4:-3:0.8, 0.6:3:1")
    assert rows == [(0.4, -3.0, 0.8), (0.6, 3.0, 1.0)] and explore.format_rows(rows) == "0.4:-3:0.8,0.6:3:1"
    for bad in ("", "1:2", "a:b:c"):
        with pytest.raises(ValueError, match="weight:mean:width"):
            explore.mixture_rows(bad)


def test_table_edits_apply_like_the_data_editor_reports_them():
    rows = [(0.4, -3.0, 0.8), (0.6, 3.0, 1.0)]
    edits = {"edited_rows": {"1": {"mean": 2.5}}, "deleted_rows": [0], "added_rows": [{"weight": 0.2}, {"mean": None}]}
    table = edited_rows(rows, edits)
    assert table[:2] == [[0.6, 2.5, 1.0], [0.2, 0.0, 1.0]]  # missing cells take the column defaults
    assert table[2][0] == 0.5 and math.isnan(table[2][1])  # a cleared cell is NaN: the config then says so
    with pytest.raises(ValueError, match="finite"):
        explore.parse_mixture(explore.format_rows(table))
