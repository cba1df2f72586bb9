"""Anomaly detection by reconstruction (seeds: "Anomaly/outlier detection"): an AE trained on
normal data should not reconstruct novel data faithfully, so the score
s(x) = ||x - D(E(x))||^2 flags x as an outlier when it is above a threshold. Scored by the ROC
curve and its area (scikit-learn); the threshold shown lets ``false_alarm_rate`` of the normal
held-out digits through as outliers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import roc_auc_score, roc_curve

from engine.autoencoders.measures import squared_errors


@dataclass(frozen=True)
class Detection:
    """ROC of scores of normal (label 0) against anomalous (label 1) inputs."""

    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    auc: float
    threshold: float  # the score above which an input is flagged
    detected_at_threshold: float  # the share of anomalies above it


@torch.no_grad()
def anomaly_scores(model, images) -> np.ndarray:
    """s(x) = ||x - D(E(x))||^2 for each image."""
    images = torch.as_tensor(np.asarray(images), dtype=torch.float32).reshape(-1, 28, 28)
    return squared_errors(images, model(images))


def detection(normal_scores: np.ndarray, anomaly_scores: np.ndarray, false_alarm_rate: float = 0.05) -> Detection:
    if not 0.0 < false_alarm_rate < 1.0:
        raise ValueError(f"The false alarm rate must be between 0 and 1; got {false_alarm_rate}.")
    if len(normal_scores) == 0 or len(anomaly_scores) == 0:
        raise ValueError("Detection needs both normal and anomalous inputs.")
    labels = np.r_[np.zeros(len(normal_scores)), np.ones(len(anomaly_scores))]
    scores = np.r_[normal_scores, anomaly_scores]
    false_positive_rate, true_positive_rate, _ = roc_curve(labels, scores)
    threshold = float(np.quantile(normal_scores, 1.0 - false_alarm_rate))
    return Detection(
        false_positive_rate,
        true_positive_rate,
        float(roc_auc_score(labels, scores)),
        threshold,
        float((np.asarray(anomaly_scores) > threshold).mean()),
    )
