"""The autoencoders of the lecture notes ("Autoencoder", "Applications of AE"), on MNIST digits with
grey levels in [0, 1], each a ``PyTorchModelHubMixin`` module.

* :class:`Autoencoder`: an encoder E_theta: R^n -> R^r and a decoder D_phi: R^r -> R^n (n = 784,
  r << n) trained on the notes' loss  L(theta, phi) = sum_i ||X_i - D_phi(E_theta(X_i))||^2.
  Three kinds: ``linear`` (both maps affine: its optimum spans PCA's top-r subspace, the notes'
  "PCA as the optimal linear autoencoder"), ``mlp`` and ``conv`` (the non-linear generalisation).
  A denoising AE (Vincent et al., "Stacked denoising autoencoders", JMLR 2010) is the same model
  trained on corrupted inputs with clean targets; ``trained_on`` records how it was trained.
* :class:`VQVAE`: van den Oord, Vinyals & Kavukcuoglu, "Neural Discrete Representation Learning"
  (NeurIPS 2017). The encoder gives a 7x7 grid of vectors z_e; each is replaced by its nearest
  codebook vector e_k (k in 1..K), so an image is 49 integers: exactly 49 log2 K bits. Trained on
  ||x - D(z_q)||^2 + ||sg[z_e] - e||^2 + beta ||z_e - sg[e]||^2, the gradient copied straight
  through the quantiser (z_q = z_e + sg[e - z_e]).

The constructor's arguments are the config (``save_pretrained`` writes them to config.json).
"""

from __future__ import annotations

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

IMAGE_SIZE = 28
PIXELS = IMAGE_SIZE * IMAGE_SIZE
KINDS = ("linear", "mlp", "conv")
MAX_LATENT_DIM = 64


def _conv_encoder(channels: tuple[int, int]) -> nn.Sequential:
    """28x28 -> (channels[1], 7, 7): two stride-2 convolutions."""
    first, second = channels
    return nn.Sequential(
        nn.Conv2d(1, first, 3, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(first, second, 3, stride=2, padding=1),
        nn.ReLU(),
    )


def _conv_decoder(channels: tuple[int, int]) -> nn.Sequential:
    """(channels[1], 7, 7) -> 28x28 in [0, 1]: two stride-2 transposed convolutions."""
    first, second = channels
    return nn.Sequential(
        nn.ConvTranspose2d(second, first, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(first, 1, 4, stride=2, padding=1),
        nn.Sigmoid(),
    )


class Autoencoder(nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["autoencoder", "mnist"]):
    """E_theta: R^784 -> R^r and D_phi: R^r -> R^784 (see the module docstring).

    ``kind``: ``linear`` (E(x) = A x + a, D(z) = B z + b), ``mlp`` (784-256-64-r and back, ReLU,
    sigmoid output) or ``conv`` (two stride-2 convolutions, a linear map to r, and back).
    ``trained_on``: "clean", or the corruption a denoising AE learnt to undo (e.g.
    "gaussian 0.5"); ``left_out_digit``: the digit kept out of training (anomaly detection), or -1.
    """

    def __init__(self, kind: str = "mlp", latent_dim: int = 8, trained_on: str = "clean", left_out_digit: int = -1):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}.")
        if not 1 <= latent_dim <= MAX_LATENT_DIM:
            raise ValueError(f"latent_dim must be between 1 and {MAX_LATENT_DIM}; got {latent_dim}.")
        if not -1 <= left_out_digit <= 9:
            raise ValueError(f"left_out_digit must be a digit 0-9, or -1 for none; got {left_out_digit}.")
        self.kind, self.latent_dim = kind, latent_dim
        self.trained_on, self.left_out_digit = trained_on, left_out_digit
        if kind == "linear":
            self.encoder = nn.Linear(PIXELS, latent_dim)
            self.decoder = nn.Linear(latent_dim, PIXELS)
        elif kind == "mlp":
            self.encoder = nn.Sequential(
                nn.Linear(PIXELS, 256), nn.ReLU(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, latent_dim)
            )
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, 64),
                nn.ReLU(),
                nn.Linear(64, 256),
                nn.ReLU(),
                nn.Linear(256, PIXELS),
                nn.Sigmoid(),
            )
        else:
            channels = (16, 32)
            self.encoder = nn.Sequential(_conv_encoder(channels), nn.Flatten(), nn.Linear(channels[1] * 49, latent_dim))
            self.decoder = nn.Sequential(
                nn.Linear(latent_dim, channels[1] * 49),
                nn.ReLU(),
                nn.Unflatten(1, (channels[1], 7, 7)),
                _conv_decoder(channels),
                nn.Flatten(),
            )

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The latent vectors E(x), shape (n, r), of images (n, 28, 28) or (n, 784)."""
        images = torch.as_tensor(images, dtype=torch.float32)
        if self.kind == "conv":
            return self.encoder(images.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE))
        return self.encoder(images.reshape(-1, PIXELS))

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """D(z), shape (n, 28, 28)."""
        return self.decoder(latents).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The reconstruction D(E(x)), shape (n, 28, 28)."""
        return self.decode(self.encode(images))


class VQVAE(nn.Module, PyTorchModelHubMixin, library_name="generative-playground", tags=["vq-vae", "mnist"]):
    """A VQ-VAE with a codebook of ``codebook_size`` (K) vectors of ``code_dim`` on a 7x7 grid (see
    the module docstring); ``commitment`` is beta."""

    GRID = 7

    def __init__(self, codebook_size: int = 64, code_dim: int = 16, commitment: float = 0.25):
        super().__init__()
        if not 2 <= codebook_size <= 4096 or not 1 <= code_dim <= 256:
            raise ValueError(
                f"codebook_size must be in [2, 4096] and code_dim in [1, 256]; got {codebook_size}, {code_dim}."
            )
        self.codebook_size, self.code_dim, self.commitment = codebook_size, code_dim, float(commitment)
        channels = (32, 64)
        self.encoder = nn.Sequential(_conv_encoder(channels), nn.Conv2d(channels[1], code_dim, 1))
        self.codebook = nn.Embedding(codebook_size, code_dim)
        self.codebook.weight.data.uniform_(-1 / codebook_size, 1 / codebook_size)
        self.decoder = nn.Sequential(nn.Conv2d(code_dim, channels[1], 3, padding=1), nn.ReLU(), _conv_decoder(channels))

    @property
    def bits_per_image(self) -> float:
        """49 log2 K: the rate of the code, exactly."""
        return self.GRID * self.GRID * float(torch.log2(torch.tensor(float(self.codebook_size))))

    def encode_continuous(self, images: torch.Tensor) -> torch.Tensor:
        """z_e(x), shape (n, code_dim, 7, 7)."""
        return self.encoder(torch.as_tensor(images, dtype=torch.float32).reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE))

    def nearest_codes(self, z_e: torch.Tensor) -> torch.Tensor:
        """argmin_k ||z_e - e_k||^2 at every grid position, shape (n, 7, 7), int64."""
        flat = z_e.permute(0, 2, 3, 1).reshape(-1, self.code_dim)
        distances = torch.cdist(flat, self.codebook.weight)
        return distances.argmin(dim=1).reshape(z_e.shape[0], self.GRID, self.GRID)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """The discrete code of each image: (n, 7, 7) integers in [0, K)."""
        return self.nearest_codes(self.encode_continuous(images))

    def decode(self, codes: torch.Tensor) -> torch.Tensor:
        """Images (n, 28, 28) from codes (n, 7, 7)."""
        z_q = self.codebook(codes).permute(0, 3, 1, 2)
        return self.decoder(z_q).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """The reconstruction D(e_{k(x)}), shape (n, 28, 28)."""
        return self.decode(self.encode(images))

    def losses(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(total, reconstruction, codebook, commitment) losses of a batch, means per image; the
        reconstruction term is sum_j (x_j - x_hat_j)^2, the others summed over the 49 positions."""
        images = torch.as_tensor(images, dtype=torch.float32).reshape(-1, IMAGE_SIZE, IMAGE_SIZE)
        z_e = self.encode_continuous(images)
        codes = self.nearest_codes(z_e)
        e = self.codebook(codes).permute(0, 3, 1, 2)
        z_q = z_e + (e - z_e).detach()  # straight-through: the decoder's gradient reaches the encoder
        reconstruction = (self.decoder(z_q).reshape_as(images) - images).pow(2).sum(dim=(1, 2)).mean()
        codebook = (e - z_e.detach()).pow(2).sum(dim=1).mean() * self.GRID * self.GRID
        commitment = (z_e - e.detach()).pow(2).sum(dim=1).mean() * self.GRID * self.GRID
        return reconstruction + codebook + self.commitment * commitment, reconstruction, codebook, commitment
