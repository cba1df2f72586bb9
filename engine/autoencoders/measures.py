"""How far a reconstruction is from its digit: the notes' squared error, and PSNR."""

from __future__ import annotations

import numpy as np
import torch


def squared_errors(images, reconstructions) -> np.ndarray:
    """||x - x_hat||^2 of each digit (summed over its 784 pixels, grey levels in [0, 1]): the
    notes' loss term and anomaly score s(x)."""
    images = np.asarray(torch.as_tensor(images).detach(), dtype=np.float64).reshape(len(images), -1)
    reconstructions = np.asarray(torch.as_tensor(reconstructions).detach(), dtype=np.float64).reshape(images.shape)
    return ((images - reconstructions) ** 2).sum(axis=1)


def psnr(images, reconstructions) -> float:
    """Peak signal-to-noise ratio in dB over a set of digits with peak 1: 10 log10(1 / MSE), the
    MSE per pixel over all of them (so it is one figure for the set, not a mean of per-digit PSNRs)."""
    mse = float(squared_errors(images, reconstructions).sum() / np.asarray(images).size)
    return float("inf") if mse == 0 else 10.0 * np.log10(1.0 / mse)
