"""One generator and one discriminator, sized for 28 x 28 digits, serve the four image GANs.

* DCGAN (Radford, Metz & Chintala, ICLR 2016): G maps z to a 128 x 7 x 7 tensor, then two
  transposed convolutions (stride 2) with batch norm and ReLU up to 1 x 28 x 28 (sigmoid, pixels in
  [0, 1]); D is two strided convolutions with leaky ReLU (batch norm on the second) and a linear
  score.
* Conditional GAN with a projection discriminator (Miyato & Koyama, ICLR 2018): G takes a class
  embedding added to z's projection; D(x, y) = psi(phi(x)) + embed(y)^T phi(x).
* ACGAN (Odena, Olah & Shlens, ICML 2017): D also predicts the class (an auxiliary head); both
  players add the cross-entropy of the class to their losses.
* InfoGAN (Chen et al., NeurIPS 2016): G's input is z with a 10-way categorical code c and two
  continuous codes in [-1, 1]; a head Q on D's features predicts c (logits) and the continuous
  codes (means), and G and Q maximise the variational bound on the mutual information I(c; G(z, c)).
  Which factor a code captures is settled early: with z of 64 numbers and the codes entering as
  they are, z moved the first blobs and G hid the codes in small details Q could read (categorical
  code = digit 16%). With z of 16 (``INFOGAN_Z_DIM``) and the codes entering with gains
  (``CODE_GAINS``: one-hot x 4 = sqrt(16), as strong as all of z at initialisation; continuous x 2),
  the code shapes the coarse layout from the start, and the digit is what it becomes.
"""

from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

KINDS = {
    "dcgan": "DCGAN",
    "projection": "conditional GAN (projection discriminator)",
    "acgan": "ACGAN",
    "infogan": "InfoGAN",
}
CLASSES = 10
CONTINUOUS_CODES = 2
INFOGAN_Z_DIM = 16
CODE_GAINS = (4.0, 2.0)  # InfoGAN: the one-hot code's and the continuous codes' gains into G


class ImageGenerator(nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["gan", "mnist"]):
    """G(z[, y][, codes]) -> (n, 28, 28) in [0, 1]."""

    def __init__(self, kind: str = "dcgan", z_dim: int = 64, width: int = 64):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"Unknown image GAN {kind!r}; choose one of: {', '.join(KINDS)}.")
        self.kind, self.z_dim = kind, z_dim
        self.input_dim = z_dim + (CLASSES + CONTINUOUS_CODES if kind == "infogan" else 0)
        self.project = nn.Sequential(
            nn.Linear(self.input_dim, 2 * width * 7 * 7), nn.BatchNorm1d(2 * width * 7 * 7), nn.ReLU()
        )
        self.class_embedding = nn.Embedding(CLASSES, self.input_dim) if kind in ("projection", "acgan") else None
        self.body = nn.Sequential(
            nn.Unflatten(1, (2 * width, 7, 7)),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1),
            nn.Sigmoid(),
        )

    @property
    def conditional(self) -> bool:
        return self.class_embedding is not None

    def forward(
        self, z: torch.Tensor, labels: torch.Tensor | None = None, codes: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``labels`` (n,) for the conditional kinds (the others ignore them); ``codes`` (n, 12) = one-hot c
        and two continuous codes for InfoGAN (:func:`infogan_codes`)."""
        h = (
            z
            if codes is None
            else torch.cat([z, codes[:, :CLASSES] * CODE_GAINS[0], codes[:, CLASSES:] * CODE_GAINS[1]], dim=1)
        )
        if self.class_embedding is not None:
            h = h + self.class_embedding(labels)
        return self.body(self.project(h)).squeeze(1)


class ImageDiscriminator(nn.Module):
    """phi(x): two strided convolutions; the kind's heads on the 256 features."""

    def __init__(self, kind: str = "dcgan", width: int = 64):
        super().__init__()
        self.kind = kind
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(width, 2 * width, 4, 2, 1),
            nn.BatchNorm2d(2 * width),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            nn.Linear(2 * width * 7 * 7, 256),
            nn.LeakyReLU(0.2),
        )
        self.score = nn.Linear(256, 1)
        self.class_embedding = nn.Embedding(CLASSES, 256) if kind == "projection" else None
        self.classes = nn.Linear(256, CLASSES) if kind == "acgan" else None
        self.q = nn.Linear(256, CLASSES + CONTINUOUS_CODES) if kind == "infogan" else None

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(real-vs-fake logit (n,), the head's output: ACGAN's class logits, InfoGAN's Q, or None)."""
        phi = self.features(x.reshape(-1, 1, 28, 28) * 2 - 1)
        score = self.score(phi).squeeze(1)
        if self.class_embedding is not None:
            score = score + (self.class_embedding(labels) * phi).sum(dim=1)
        head = self.classes or self.q
        return score, None if head is None else head(phi)


def infogan_codes(
    generator: ImageGenerator, categories: torch.Tensor, continuous: torch.Tensor | None = None
) -> torch.Tensor | None:
    """InfoGAN's code vector: one-hot(categories) (n, 10) beside the continuous codes (n, 2; 0 unless
    given); None for the other kinds, which take no codes."""
    if generator.kind != "infogan":
        return None
    continuous = torch.zeros(len(categories), CONTINUOUS_CODES) if continuous is None else continuous
    return torch.cat([nn.functional.one_hot(categories, CLASSES).float(), continuous], dim=1)
