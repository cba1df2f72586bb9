"""The autoencoders shipped in ``pretrained/`` for the Autoencoders page, with the training
arguments that made them (``python -m engine.train.autoencoders --name NAME ARGS``)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.autoencoders.models import KINDS

SHIPPED_LATENT_DIMS = (2, 8, 32)
ANOMALY_LEFT_OUT_DIGITS = (1, 8)


@dataclass(frozen=True)
class ShippedModel:
    name: str  # folder in pretrained/
    label: str
    training_arguments: tuple[str, ...]


def _autoencoders() -> list[ShippedModel]:
    models = [
        ShippedModel(f"ae-{kind}-{r}", f"{kind} AE, r = {r}", ("--kind", kind, "--latent-dim", str(r)))
        for kind in KINDS
        for r in SHIPPED_LATENT_DIMS
    ]
    models.append(
        ShippedModel(
            "dae-conv-32", "denoising conv AE, r = 32", ("--kind", "conv", "--latent-dim", "32", "--denoising")
        )
    )
    models += [
        ShippedModel(
            f"ae-conv-8-without-{digit}",
            f"conv AE, r = 8, trained without {digit}s",
            ("--kind", "conv", "--latent-dim", "8", "--left-out-digit", str(digit)),
        )
        for digit in ANOMALY_LEFT_OUT_DIGITS
    ]
    return models


SHIPPED_AUTOENCODERS = {model.name: model for model in _autoencoders()}
SHIPPED_VQVAES = {
    f"vqvae-{k}": ShippedModel(f"vqvae-{k}", f"VQ-VAE, K = {k}", ("--vq", "--codebook-size", str(k))) for k in (16, 256)
}


def autoencoder_name(kind: str, latent_dim: int) -> str:
    return f"ae-{kind}-{latent_dim}"
