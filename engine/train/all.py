"""Reproduce every model in ``pretrained/``: ``python -m engine.train.all`` (about 45 minutes on one CPU thread).

The classifier comes first: the VAE cards count the digits it sees in their latent grids.
"""

from __future__ import annotations

import torch

from engine.autoencoders.shipped import SHIPPED_AUTOENCODERS, SHIPPED_VQVAES
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from engine.train import autoencoders, autoregressive, classifier, vae
from engine.vae.shipped import CLASSIFIER, SHIPPED_VAES


def main() -> None:
    torch.set_num_threads(1)  # small models: one thread wastes nothing, and the machine stays usable
    classifier.main(["--name", CLASSIFIER])
    for name, shipped in SHIPPED_VAES.items():
        vae.main(["--name", name, *shipped.training_arguments])
    for name, shipped in (SHIPPED_AUTOENCODERS | SHIPPED_VQVAES).items():
        autoencoders.main(["--name", name, *shipped.training_arguments])
    for name, shipped in SHIPPED_AUTOREGRESSIVE.items():
        autoregressive.main(["--name", name, *shipped.training_arguments])


if __name__ == "__main__":
    main()
