"""The sample-based scores: FID of a set with itself and of shifted Gaussians against the closed
form, the Inception score's two ends, precision and recall on constructed sets and against plain
counting over every ball, and the table's figures for a shipped model."""

import math

import numpy as np
import pytest

from engine.evaluation.metrics import fid_by_sample_count, inception_score, precision_recall
from engine.sample_metrics import frechet_distance


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


def brute_force_precision_recall(real, fake, k=3, nearest=None):
    """Kynkaanniemi et al.'s counting, one pair at a time: a point counts when it lies in the ball of
    any centre, of radius the distance from that centre to its k-th nearest neighbour in its set (the
    centre itself excluded). With ``nearest``, only the point's ``nearest`` closest centres are tried
    (the shortcut the metric used before)."""

    def share_inside(points, centres):
        points, centres = [tuple(p) for p in points], [tuple(c) for c in centres]
        radii = []
        for c in centres:
            distances = sorted(math.dist(c, other) for other in centres)
            radii.append(distances[k])  # distances[0] is the centre itself
        count = 0
        for x in points:
            tried = sorted(range(len(centres)), key=lambda i: math.dist(x, centres[i]))[:nearest]
            for i in tried:
                if math.dist(x, centres[i]) <= radii[i]:
                    count += 1
                    break
        return count / len(points)

    return share_inside(fake, real), share_inside(real, fake)


@pytest.mark.parametrize("seed, dims", [(0, 2), (1, 3), (2, 5), (3, 8)])
def test_precision_and_recall_equal_brute_force_counting_on_random_sets(seed, dims):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(300, dims))
    fake = rng.normal(size=(250, dims)) * rng.uniform(0.5, 1.5, size=dims) + 0.3
    assert precision_recall(real, fake) == brute_force_precision_recall(real, fake)
    assert precision_recall(real, fake, k=5) == brute_force_precision_recall(real, fake, k=5)


def tight_and_wide(seed: int, dims: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Each set: 300 points in a tight cluster (sd 0.01) and 20 in a wide one (sd 4) around it, whose
    balls are wide enough to hold the tight clusters; the two tight clusters 0.3 apart. Every point's
    50 nearest centres lie in the other set's tight cluster, whose balls are far too small."""
    rng = np.random.default_rng(seed)

    def one(centre):
        return np.concatenate([rng.normal(size=(300, dims)) * 0.01 + centre, rng.normal(size=(20, dims)) * 4.0])

    return one(np.zeros(dims)), one(np.r_[0.3, np.zeros(dims - 1)])


def test_precision_and_recall_count_a_far_centre_with_a_wide_ball_which_the_nearest_centres_miss():
    real, fake = tight_and_wide(seed=0)
    exact = brute_force_precision_recall(real, fake)
    assert exact == (318 / 320, 316 / 320)  # 0.994 / 0.988
    assert precision_recall(real, fake) == exact
    shortcut = brute_force_precision_recall(real, fake, nearest=50)
    assert shortcut == (18 / 320, 16 / 320)  # 0.056 / 0.050: only the wide clusters' own points
    for seed in (1, 2):
        real, fake = tight_and_wide(seed)
        precision, recall = precision_recall(real, fake)
        assert (precision, recall) == brute_force_precision_recall(real, fake)
        assert precision > 0.95 and recall > 0.95
        shortcut_precision, shortcut_recall = brute_force_precision_recall(real, fake, nearest=50)
        assert shortcut_precision < 0.1 and shortcut_recall < 0.1


def test_precision_and_recall_of_a_set_against_itself_are_one():
    points = np.random.default_rng(4).normal(size=(400, 6))
    assert precision_recall(points, points) == (1.0, 1.0)
    assert precision_recall(points, points.copy(), k=1) == (1.0, 1.0)


def test_the_table_scores_a_shipped_model_and_reads_its_likelihood_from_its_card():
    from engine.evaluation.table import RealDigits, evaluate

    real = RealDigits.load(count=300)
    floor = real.floor()
    row = evaluate("vae-16d", real, n=300)
    assert row["likelihood"] == "bound" and row["nll"] == pytest.approx(88.78)
    assert row["fid"] > floor["fid"] and 1.0 < row["inception_score"] <= 10.0 and 0 <= row["recall"] <= 1
