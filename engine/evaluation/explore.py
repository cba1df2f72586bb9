"""The Evaluation page's settings and the table it reads (``pretrained/evaluation.json``, made by
``python -m engine.train.evaluation``)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import torch

from engine.config import RunConfig, check_choice
from engine.evaluation.table import sampler
from engine.pretrained import PRETRAINED_DIR, ModelUnavailable

TABLE = PRETRAINED_DIR / "evaluation.json"
SORT_KEYS = {
    "fid": "FID (lower is better)",
    "inception_score": "Inception score (higher)",
    "precision": "precision (higher)",
    "recall": "recall (higher)",
    "nll": "−log p(x) (lower)",
    "sample_ms": "sampling time (lower)",
}
HIGHER_IS_BETTER = {"inception_score", "precision", "recall"}
STRIP = 12  # samples shown per model


@dataclass(frozen=True)
class EvaluationViewConfig(RunConfig):
    sort: str = "fid"
    samples: bool = False  # show a strip of samples from every model

    def __post_init__(self):
        check_choice("sort key", self.sort, SORT_KEYS)


def load_table() -> dict:
    """The shipped table; ModelUnavailable (with the command that makes it) when it is missing or unreadable."""
    try:
        return json.loads(TABLE.read_text())
    except (OSError, ValueError) as error:
        raise ModelUnavailable(
            f"The evaluation table is missing ({error}); make it with python -m engine.train.evaluation."
        ) from error


def sorted_rows(table: dict, key: str) -> list[dict]:
    """The rows best first on ``key`` (models without that figure last)."""
    sign = -1 if key in HIGHER_IS_BETTER else 1
    return sorted(table["rows"], key=lambda row: (row.get(key) is None, sign * (row.get(key) or 0)))


@torch.no_grad()
def sample_strip(name: str, seed: int = 0) -> np.ndarray:
    """STRIP samples of a shipped model side by side, (28, STRIP * 28) in [0, 1]."""
    images = sampler(name)(STRIP, torch.Generator().manual_seed(seed)).reshape(STRIP, 28, 28)
    return images.permute(1, 0, 2).reshape(28, STRIP * 28).clamp(0, 1).numpy()
