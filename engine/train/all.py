"""Reproduce every model in ``pretrained/``: ``python -m engine.train.all`` (about 2 hours on this project's 2-core machine).

The classifier comes first: the VAE cards count the digits it sees in their latent grids; the
evaluation table comes last: it scores every image model.
"""

from __future__ import annotations

import torch

from engine.autoencoders.shipped import SHIPPED_AUTOENCODERS, SHIPPED_VQVAES
from engine.autoregressive.shipped import SHIPPED_AUTOREGRESSIVE
from engine.image_gans.models import KINDS as IMAGE_GAN_KINDS
from engine.mnist_classifier import CLASSIFIER
from engine.train import autoencoders, autoregressive, classifier, evaluation, image_gans, vae
from engine.vae.shipped import SHIPPED_VAES


def main() -> None:
    torch.set_num_threads(1)  # small models: one thread wastes nothing, and the machine stays usable
    classifier.main(["--name", CLASSIFIER])
    for name, shipped in SHIPPED_VAES.items():
        vae.main(["--name", name, *shipped.training_arguments])
    for name, shipped in (SHIPPED_AUTOENCODERS | SHIPPED_VQVAES).items():
        autoencoders.main(["--name", name, *shipped.training_arguments])
    for name, shipped in SHIPPED_AUTOREGRESSIVE.items():
        autoregressive.main(["--name", name, *shipped.training_arguments])
    for kind in IMAGE_GAN_KINDS:
        image_gans.main(["--model", kind, "--steps", "3000", "--minutes", "5"])
    evaluation.main([])  # last: it scores every shipped image model


if __name__ == "__main__":
    main()
