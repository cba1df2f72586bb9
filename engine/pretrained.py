"""Loading shipped models by name: the folder in ``pretrained/`` when present, else the Hub.

Each model is a folder with config.json (the constructor's arguments), model.safetensors and a
README.md model card, as ``PyTorchModelHubMixin.save_pretrained`` writes it. Weights are
loaded with ``strict=True`` from safetensors only: nothing is unpickled, and a Hub download
fetches only those files (and figures.json, the measured figures). The Hub repo is ``{GP_HUB_NAMESPACE}/{name}`` (for a hosted
deployment with network); offline, a model that is not shipped gets a message saying how to make
it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from typing import TypeVar

from huggingface_hub import snapshot_download

PRETRAINED_DIR = Path(__file__).resolve().parent.parent / "pretrained"
PRETRAINED_DIR_ENV_VAR = "GP_PRETRAINED_DIR"  # a deployment may keep the models elsewhere
HUB_NAMESPACE_ENV_VAR = "GP_HUB_NAMESPACE"
DEFAULT_HUB_NAMESPACE = "generative-playground"
MODEL_FILES = ["config.json", "model.safetensors", "README.md", "figures.json"]

Model = TypeVar("Model")


class ModelUnavailable(RuntimeError):
    """A model is neither shipped in pretrained/ nor downloadable; the message says what to do."""


def hub_repo_id(name: str) -> str:
    namespace = os.environ.get(HUB_NAMESPACE_ENV_VAR, "").strip() or DEFAULT_HUB_NAMESPACE
    return f"{namespace}/{name}"


def model_folder(name: str, directory: Path | None = None) -> Path:
    """Where a shipped model lives; raises ``ValueError`` for names that are not plain folder names."""
    if not name or name != Path(name).name or name.startswith("."):
        raise ValueError(f"A model name is a plain folder name such as 'vae-2d'; got {name!r}.")
    return (directory or Path(os.environ.get(PRETRAINED_DIR_ENV_VAR) or PRETRAINED_DIR)) / name


def load_model(name: str, model_class: type[Model], directory: Path | None = None) -> Model:
    """``model_class`` loaded from ``pretrained/<name>`` or, failing that, from the Hub; in eval mode.

    Raises :class:`ModelUnavailable` when neither can be had, and ``RuntimeError`` (from
    ``strict=True``) when the weights do not match the config.
    """
    folder = model_folder(name, directory)
    if not (folder / "model.safetensors").is_file():
        repo_id = hub_repo_id(name)
        try:
            folder = Path(snapshot_download(repo_id=repo_id, allow_patterns=MODEL_FILES))
        except Exception as error:  # offline, unknown repo, no permission...: all say the same to a user
            raise ModelUnavailable(
                f"The model '{name}' is not shipped in {folder.parent} and could not be fetched from the "
                f"Hub repo '{repo_id}' ({type(error).__name__}). Reinstall the app's files, or train it "
                f"with the command in its model card (python -m engine.train ...)."
            ) from error
        if not (folder / "model.safetensors").is_file():
            raise ModelUnavailable(f"The Hub repo '{repo_id}' has no model.safetensors for '{name}'.")
    with contextlib.redirect_stdout(io.StringIO()):  # the mixin prints "Loading weights from local directory"
        return model_class.from_pretrained(str(folder), strict=True)


def model_card_figures(name: str, directory: Path | None = None) -> dict:
    """The measured figures a training script stored beside the model (``figures.json``), or {}."""
    path = model_folder(name, directory) / "figures.json"
    return json.loads(path.read_text()) if path.is_file() else {}
