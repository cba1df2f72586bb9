"""The autoregressive models shipped in ``pretrained/``, with the training arguments that made
them (``python -m engine.train.autoregressive ARGS``)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.autoregressive.models import MODELS, AutoregressiveModel
from engine.pretrained import load_model


@dataclass(frozen=True)
class ShippedModel:
    name: str  # folder in pretrained/
    model: str  # key of engine.autoregressive.models.MODELS
    label: str
    training_arguments: tuple[str, ...]

    @property
    def orderings(self) -> int:
        """How many orderings it was trained on (MADE's ``--orderings``; 1 for every other model)."""
        arguments = list(self.training_arguments)
        return int(arguments[arguments.index("--orderings") + 1]) if "--orderings" in arguments else 1


SHIPPED_AUTOREGRESSIVE = {
    shipped.name: shipped
    for shipped in [
        ShippedModel("ar-fvsbn", "fvsbn", "FVSBN", ("--model", "fvsbn")),
        ShippedModel("ar-nade", "nade", "NADE", ("--model", "nade")),
        ShippedModel("ar-made", "made", "MADE, one ordering", ("--model", "made")),
        ShippedModel("ar-made-8-orderings", "made", "MADE, 8 orderings", ("--model", "made", "--orderings", "8")),
        ShippedModel("ar-pixelcnn", "pixelcnn", "PixelCNN", ("--model", "pixelcnn")),
        ShippedModel("ar-transformer", "transformer", "Transformer", ("--model", "transformer")),
    ]
}


def load_shipped(name: str) -> AutoregressiveModel:
    """The shipped model ``name`` from ``pretrained/``, in eval mode."""
    return load_model(name, MODELS[SHIPPED_AUTOREGRESSIVE[name].model]).eval()
