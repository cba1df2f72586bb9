"""The sample-based scores: FID of a set with itself and of shifted Gaussians against the closed
form, the Inception score's two ends, precision and recall on constructed sets, and the table's
figures for a shipped model."""

import numpy as np
import pytest

from engine.evaluation.metrics import fid_by_sample_count, frechet_distance, inception_score, precision_recall


def test_fid_is_zero_for_a_set_against_itself_and_the_closed_form_for_shifted_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20000, 3)) * [1.0, 2.0, 0.5]
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    b = rng.normal(size=(20000, 3)) * [1.0, 2.0, 0.5] + [1.0, -2.0, 0.0]
    assert frechet_distance(a, b) == pytest.approx(5.0, abs=0.1)  # same covariance: ||mu_a - mu_b||^2
    c = rng.normal(size=(20000, 1)) * 3.0
    assert frechet_distance(a[:, :1], c) == pytest.approx((1 - 3) ** 2, abs=0.1)  # 1-D: (s_a - s_b)^2


def test_fid_falls_as_the_sample_grows():
    rng = np.random.default_rng(1)
    real, fake = rng.normal(size=(2000, 8)), rng.normal(size=(4000, 8))
    curve = fid_by_sample_count(real, fake, (50, 200, 4000))
    assert [n for n, _ in curve] == [50, 200, 4000] and curve[0][1] > curve[1][1] > curve[2][1]


def test_the_inception_score_is_one_for_an_unsure_classifier_and_the_class_count_for_a_sure_balanced_one():
    assert inception_score(np.full((100, 10), 0.1)) == pytest.approx(1.0)
    assert inception_score(np.eye(10)[np.arange(1000) % 10]) == pytest.approx(10.0, rel=1e-6)
    assert inception_score(np.eye(10)[np.zeros(1000, dtype=int)]) == pytest.approx(1.0), "one confident class: 1"


def test_precision_and_recall_on_constructed_sets():
    rng = np.random.default_rng(2)
    real = rng.normal(size=(1000, 2))
    same = rng.normal(size=(1000, 2))
    precision, recall = precision_recall(real, same)
    assert precision > 0.85 and recall > 0.85
    far = same + 50.0
    assert precision_recall(real, far) == (0.0, 0.0)
    collapsed = same[same[:, 0] > 0.5]  # one part of the distribution only: precise, little recall
    precision, recall = precision_recall(real, collapsed)
    assert precision > 0.85 and recall < 0.5


def test_the_table_scores_a_shipped_model_and_reads_its_likelihood_from_its_card():
    from engine.evaluation.table import RealDigits, evaluate

    real = RealDigits.load(count=300)
    floor = real.floor()
    row = evaluate("vae-16d", real, n=300)
    assert row["likelihood"] == "bound" and row["nll"] == pytest.approx(88.78)
    assert row["fid"] > floor["fid"] and 1.0 < row["inception_score"] <= 10.0 and 0 <= row["recall"] <= 1
