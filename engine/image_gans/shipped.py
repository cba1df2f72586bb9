"""The image GANs shipped in ``pretrained/`` (``python -m engine.train.image_gans --model KIND``)."""

from engine.image_gans.models import KINDS

SHIPPED_IMAGE_GANS = {f"gan-{kind}": label for kind, label in KINDS.items()}
