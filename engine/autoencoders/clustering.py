"""Clustering in a latent space (seeds: "Applications of AE: Clustering"): k-means on the
encodings, scored against the labels, which are used only to score: normalised mutual
information and adjusted Rand index (scikit-learn), and best-match accuracy (clusters matched
one-to-one to digits by the Hungarian method, scipy's linear_sum_assignment).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, confusion_matrix, normalized_mutual_info_score


@dataclass(frozen=True)
class ClusterScores:
    nmi: float
    ari: float
    best_match_accuracy: float


def kmeans_clusters(features: np.ndarray, k: int = 10, seed: int = 0) -> np.ndarray:
    """The k-means cluster of each row (Lloyd's algorithm, k-means++ starts, 10 restarts)."""
    if not 2 <= k <= 50:
        raise ValueError(f"k must be between 2 and 50; got {k}.")
    features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(features)


def best_match_accuracy(labels: np.ndarray, clusters: np.ndarray) -> float:
    """The share of points whose cluster, matched one-to-one to a label, is their label."""
    counts = confusion_matrix(labels, clusters)
    rows, columns = linear_sum_assignment(counts, maximize=True)
    return float(counts[rows, columns].sum() / len(labels))


def score_clusters(labels: np.ndarray, clusters: np.ndarray) -> ClusterScores:
    return ClusterScores(
        float(normalized_mutual_info_score(labels, clusters)),
        float(adjusted_rand_score(labels, clusters)),
        best_match_accuracy(labels, clusters),
    )
