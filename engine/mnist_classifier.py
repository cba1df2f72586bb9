"""The shipped MNIST digit classifier, shared by the families that read digits: it labels the VAE's
decoded digits and the GANs' samples, and its 64 penultimate features stand in for Inception's in
the FID, Inception score and precision/recall of generated digits (Heusel et al., 2017, with this
network in place of Inception). Trained by ``python -m engine.train.classifier``.
"""

from __future__ import annotations

import numpy as np
import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

CLASSIFIER = "mnist-classifier"  # its folder in pretrained/
IMAGE_SIZE = 28
DIGITS = 10


class MnistClassifier(
    nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["mnist", "classifier"]
):
    """A small CNN digit classifier: two 3x3 conv + max-pool blocks, then a 64-unit feature layer.

    Its 64 features stand in for Inception's in FID-style scores of generated digits.
    """

    def __init__(self, channels: tuple[int, int] = (16, 32), features: int = 64):
        super().__init__()
        first, second = channels
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, first, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(first, second, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.feature_layer = nn.Sequential(nn.Flatten(), nn.Linear(second * 7 * 7, features), nn.ReLU())
        self.head = nn.Linear(features, DIGITS)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The 64-D penultimate activations for images (n, 28, 28) in [0, 1]."""
        return self.feature_layer(self.convolutions(images.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Class logits, shape (n, 10)."""
        return self.head(self.features(images))

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(predicted digit, its probability) for each image."""
        probabilities = torch.softmax(self(torch.as_tensor(images, dtype=torch.float32)), dim=-1)
        confidence, digit = probabilities.max(dim=-1)
        return digit, confidence


@torch.no_grad()
def classifier_outputs(
    classifier: MnistClassifier, images: torch.Tensor, batch: int = 500
) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 64), class probabilities (n, 10)) for images (n, 28, 28) or (n, 784) in [0, 1]."""
    features, probabilities = [], []
    for start in range(0, len(images), batch):
        f = classifier.features(torch.as_tensor(images[start : start + batch], dtype=torch.float32))
        features.append(f)
        probabilities.append(torch.softmax(classifier.head(f), dim=-1))
    return torch.cat(features).double().numpy(), torch.cat(probabilities).double().numpy()
